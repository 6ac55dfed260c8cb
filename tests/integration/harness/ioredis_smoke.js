// ioredis smoke client: connects to host:port from argv, SET/GET one key, exits 0 on success and
// 1 with a message otherwise. Every step is bounded (connect timeout, no retries, hard timer).
// Usage: node ioredis_smoke.js <host> <port>   (ioredis from tests/node_modules: npm ci --prefix tests)
"use strict";
const Redis = require("ioredis");

const [host, port] = process.argv.slice(2);
if (!host || !port) {
  console.error("usage: node ioredis_smoke.js <host> <port>");
  process.exit(2);
}
const timer = setTimeout(() => { console.error("ioredis smoke: timed out"); process.exit(1); }, 10000);

async function main() {
  const client = new Redis({ host, port: Number(port), connectTimeout: 5000, maxRetriesPerRequest: 1,
                             retryStrategy: () => null, lazyConnect: true });
  try {
    await client.connect();
    const key = `ioredis-smoke:${process.pid}`;
    const set = await client.set(key, "hello", "EX", 60);
    const got = await client.get(key);
    if (set !== "OK" || got !== "hello") throw new Error(`unexpected replies SET=${set} GET=${got}`);
    await client.del(key);
    console.log(`ioredis ${require("ioredis/package.json").version}: SET/GET ok on ${host}:${port}`);
  } finally {
    client.disconnect();
  }
}

main().then(() => { clearTimeout(timer); process.exit(0); },
            (e) => { console.error(`ioredis smoke failed: ${e.message}`); process.exit(1); });
