// IP addresses and CIDR ranges (trusted proxies, authorization policy networks) via node:net's
// BlockList, which handles IPv4, IPv6 and IPv4-mapped IPv6 addresses correctly.
import { BlockList, isIP } from 'node:net';

export function isNetwork(value: string): boolean {
  const [address, prefix, extra] = value.split('/');
  if (extra !== undefined || address === undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** A matcher for a list of IPs/CIDRs; invalid entries are ignored (the config validator reports them). */
export function networkMatcher(networks: readonly string[]): (ip: string | undefined) => boolean {
  const list = new BlockList();
  for (const network of networks.filter(isNetwork)) {
    const [address, prefix] = network.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return (ip) => {
    if (!ip) return false;
    const bare = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
    const family = isIP(bare);
    return family !== 0 && list.check(bare, family === 6 ? 'ipv6' : 'ipv4');
  };
}
