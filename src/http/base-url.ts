// The server's base URL as the client sees it (signed image URLs are built on it), and the proxies
// whose forwarded headers are believed.
import type { IncomingMessage } from 'node:http';
import net, { BlockList } from 'node:net';

/** The proxies whose X-Forwarded-Host/-Proto are believed (config.trustedProxies: IPs and CIDRs). */
export function trustedProxyList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [ip, bits] = entry.split('/');
    const type = net.isIPv6(ip!) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(ip!, type);
    else list.addSubnet(ip!, Number(bits), type);
  }
  return list;
}

function isTrusted(address: string | undefined, proxies: BlockList): boolean {
  if (!address) return false;
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (v4) return proxies.check(v4, 'ipv4') || proxies.check(address, 'ipv6');
  return proxies.check(address, net.isIPv6(address) ? 'ipv6' : 'ipv4');
}

/** A Host header value: a DNS name or an IP (IPv6 in brackets), with an optional port; nothing else. */
const HOST_RE =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

const first = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim() || undefined;

/**
 * Absolute base URL of this server as the client sees it. X-Forwarded-Host/-Proto count only from
 * a trusted proxy; otherwise the Host header and the socket's own protocol. A host that is not a
 * host name (`evil.example/x`, `javascript:`) is never used: image URLs must stay URLs of this server.
 */
export function baseUrlOf(req: IncomingMessage, proxies: BlockList): string {
  const viaProxy = isTrusted(req.socket.remoteAddress, proxies);
  const ownProto = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const forwardedProto = viaProxy ? first(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
  const proto = forwardedProto === 'http' || forwardedProto === 'https' ? forwardedProto : ownProto;
  const candidates = [viaProxy ? first(req.headers['x-forwarded-host']) : undefined, req.headers.host];
  const host =
    candidates.find((h): h is string => h !== undefined && HOST_RE.test(h)) ??
    localHost(req.socket.localAddress, req.socket.localPort);
  return `${proto}://${host}`;
}

function localHost(address: string | undefined, port: number | undefined): string {
  const host = !address ? 'localhost' : net.isIPv6(address) ? `[${address}]` : address;
  return port ? `${host}:${port}` : host;
}
