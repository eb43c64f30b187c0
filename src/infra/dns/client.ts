// A one-question DNS client (A records over UDP) to confirm what the DNS process answers.
import { createSocket } from 'node:dgram';
import packet from 'dns-packet';

export async function queryA(opts: { host: string; port: number; name: string; timeoutMs?: number }): Promise<string[] | 'NXDOMAIN'> {
  const socket = createSocket('udp4');
  const id = Math.floor(Math.random() * 65535);
  const query = packet.encode({ type: 'query', id, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name: opts.name, class: 'IN' }] });
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no DNS answer from ${opts.host}:${opts.port} within ${opts.timeoutMs ?? 1000} ms`)), opts.timeoutMs ?? 1000);
      socket.on('message', (msg) => {
        const answer = packet.decode(msg);
        if (answer.id !== id) return;
        clearTimeout(timer);
        // RCODE is the low 4 bits of the flags; 3 = NXDOMAIN.
        if (((answer.flags ?? 0) & 0xf) === 3) return resolve('NXDOMAIN');
        resolve((answer.answers ?? []).flatMap((a) => (a.type === 'A' ? [String(a.data)] : [])).sort());
      });
      socket.on('error', reject);
      socket.send(query, opts.port, opts.host);
    });
  } finally {
    socket.close();
  }
}
