// ioredis Cluster functional script: run against a 6-node cluster (3 masters + 3 replicas) by
// tests/integration/node/test_cluster_ioredis.py, for our node and for redis-server 7.0 alike.
// It asserts every reply of: strings, hashes, lists, sets, zsets, expiry, MGET/MSET with hash
// tags, pipelines across slots (one per node, in parallel), MULTI/EXEC with hash tags, pub/sub
// (SUBSCRIBE on one node, PUBLISH through another), SSUBSCRIBE/SPUBLISH (shardedSubscribers),
// a slot moved by CLUSTER SETSLOT + MIGRATE while the client reads and writes it (ASK, then
// MOVED), and kill -9 of a master (the pids come from the test) after which ioredis must serve
// the slot again from the promoted replica with the WAIT-acknowledged value kept.
// Usage: node ioredis_cluster.js '<json: {"nodes":[{"host","port","pid"}...]}>'
// Exits 0 and prints "ioredis cluster: all ok" on success; 1 with the failed step otherwise.
// Every step is bounded (per-step deadlines and a hard timer).
"use strict";
const Redis = require("ioredis");
const calculateSlot = require("cluster-key-slot");

const cfg = JSON.parse(process.argv[2] || "{}");
if (!cfg.nodes || cfg.nodes.length < 6) {
  console.error("usage: node ioredis_cluster.js '{\"nodes\":[{\"host\":..,\"port\":..,\"pid\":..}]}'");
  process.exit(2);
}
const HARD_TIMEOUT_MS = 150000;
const hard = setTimeout(() => { console.error(`timed out in step: ${step}`); process.exit(1); },
                        HARD_TIMEOUT_MS);
let step = "start";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function eq(got, want, what) {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  if (g !== w) throw new Error(`${step}: ${what}: got ${g}, want ${w}`);
}
function ok(cond, what) {
  if (!cond) throw new Error(`${step}: ${what}`);
}
async function until(fn, ms, what) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`${step}: timed out after ${ms} ms waiting for ${what}` +
                  (last ? ` (last error: ${last.message})` : ""));
}

const startup = cfg.nodes.map((n) => ({ host: n.host, port: n.port }));
const options = {
  redisOptions: { connectTimeout: 5000 },
  slotsRefreshTimeout: 2000,
  retryDelayOnFailover: 200,
  retryDelayOnClusterDown: 300,
  retryDelayOnTryAgain: 100,
  maxRedirections: 32,
  clusterRetryStrategy: (times) => (times > 50 ? null : Math.min(100 * times, 1000)),
};
const direct = []; // plain connections opened by the script, closed at the end
function node(port) {
  const n = cfg.nodes.find((x) => x.port === port);
  const c = new Redis({ host: n.host, port, connectTimeout: 5000, maxRetriesPerRequest: 1,
                        lazyConnect: false });
  direct.push(c);
  return c;
}
// slot -> "host:port" of its master, from CLUSTER SLOTS of any node.
async function ownerOf(cluster, slot) {
  const slots = await cluster.cluster("SLOTS");
  for (const [start, end, master] of slots) {
    if (slot >= start && slot <= end) return { host: master[0], port: master[1], id: master[2] };
  }
  throw new Error(`slot ${slot} not served`);
}

async function dataTypes(c) {
  step = "strings";
  const p = `s:${process.pid}`;
  eq(await c.set(`${p}:a`, "hello"), "OK", "SET");
  eq(await c.get(`${p}:a`), "hello", "GET");
  eq(await c.append(`${p}:a`, " world"), 11, "APPEND");
  eq(await c.strlen(`${p}:a`), 11, "STRLEN");
  eq(await c.getrange(`${p}:a`, 0, 4), "hello", "GETRANGE");
  eq(await c.incrby(`${p}:n`, 5), 5, "INCRBY");
  eq(await c.incrbyfloat(`${p}:n`, "1.5"), "6.5", "INCRBYFLOAT");
  eq(await c.setnx(`${p}:a`, "x"), 0, "SETNX existing");
  eq(await c.getdel(`${p}:a`), "hello world", "GETDEL");
  eq(await c.exists(`${p}:a`), 0, "EXISTS after GETDEL");
  eq(await c.get(`${p}:missing`), null, "GET missing");

  step = "hashes";
  eq(await c.hset(`${p}:h`, "f1", "v1", "f2", "v2"), 2, "HSET");
  eq(await c.hget(`${p}:h`, "f1"), "v1", "HGET");
  eq(await c.hgetall(`${p}:h`), { f1: "v1", f2: "v2" }, "HGETALL");
  eq(await c.hincrby(`${p}:h`, "n", 3), 3, "HINCRBY");
  eq(await c.hdel(`${p}:h`, "f2", "nope"), 1, "HDEL");
  eq(await c.hlen(`${p}:h`), 2, "HLEN");
  eq(await c.hmget(`${p}:h`, "f1", "f2"), ["v1", null], "HMGET");

  step = "lists";
  eq(await c.rpush(`${p}:l`, "a", "b", "c"), 3, "RPUSH");
  eq(await c.lpush(`${p}:l`, "z"), 4, "LPUSH");
  eq(await c.lrange(`${p}:l`, 0, -1), ["z", "a", "b", "c"], "LRANGE");
  eq(await c.lpop(`${p}:l`), "z", "LPOP");
  eq(await c.rpop(`${p}:l`, 2), ["c", "b"], "RPOP count");
  eq(await c.llen(`${p}:l`), 1, "LLEN");
  eq(await c.lindex(`${p}:l`, 0), "a", "LINDEX");

  step = "sets";
  eq(await c.sadd(`${p}:s`, "x", "y", "z", "x"), 3, "SADD");
  eq((await c.smembers(`${p}:s`)).sort(), ["x", "y", "z"], "SMEMBERS");
  eq(await c.sismember(`${p}:s`, "y"), 1, "SISMEMBER");
  eq(await c.srem(`${p}:s`, "y", "w"), 1, "SREM");
  eq(await c.scard(`${p}:s`), 2, "SCARD");
  eq(await c.sadd(`{${p}}:s2`, "x", "q"), 2, "SADD s2");
  eq(await c.sadd(`{${p}}:s3`, "x", "r"), 2, "SADD s3");
  eq(await c.sinter(`{${p}}:s2`, `{${p}}:s3`), ["x"], "SINTER with a hash tag");

  step = "zsets";
  eq(await c.zadd(`${p}:z`, 1, "a", 2, "b", 3, "c"), 3, "ZADD");
  eq(await c.zrange(`${p}:z`, 0, -1, "WITHSCORES"), ["a", "1", "b", "2", "c", "3"], "ZRANGE");
  eq(await c.zincrby(`${p}:z`, 5, "a"), "6", "ZINCRBY");
  eq(await c.zscore(`${p}:z`, "a"), "6", "ZSCORE");
  eq(await c.zrank(`${p}:z`, "a"), 2, "ZRANK");
  eq(await c.zrangebyscore(`${p}:z`, 2, 3), ["b", "c"], "ZRANGEBYSCORE");
  eq(await c.zrem(`${p}:z`, "b"), 1, "ZREM");
  eq(await c.zcard(`${p}:z`), 2, "ZCARD");

  step = "expiry";
  eq(await c.set(`${p}:e`, "v", "EX", 100), "OK", "SET EX");
  const ttl = await c.ttl(`${p}:e`);
  ok(ttl > 90 && ttl <= 100, `TTL ${ttl} not in (90, 100]`);
  eq(await c.pexpire(`${p}:e`, 50000), 1, "PEXPIRE");
  const pttl = await c.pttl(`${p}:e`);
  ok(pttl > 40000 && pttl <= 50000, `PTTL ${pttl}`);
  eq(await c.persist(`${p}:e`), 1, "PERSIST");
  eq(await c.ttl(`${p}:e`), -1, "TTL after PERSIST");
  eq(await c.set(`${p}:short`, "v", "PX", 100), "OK", "SET PX");
  await sleep(250);
  eq(await c.get(`${p}:short`), null, "GET after expiry");
  eq(await c.exists(`${p}:short`), 0, "EXISTS after expiry");

  step = "mset/mget with hash tags";
  eq(await c.mset(`{u${process.pid}}:a`, "1", `{u${process.pid}}:b`, "2"), "OK", "MSET");
  eq(await c.mget(`{u${process.pid}}:a`, `{u${process.pid}}:b`, `{u${process.pid}}:c`),
     ["1", "2", null], "MGET");
  let crossslot = null;
  try {
    await c.mget("a-key", "b-key");
  } catch (e) {
    crossslot = e.message;
  }
  eq(crossslot, "CROSSSLOT Keys in request don't hash to the same slot", "MGET across slots");
}

async function pipelines(c) {
  step = "pipelines across slots";
  // One pipeline per master, each with keys of many slots that master serves (ioredis wants
  // one "slots allocation group" per pipeline: a CLUSTER SLOTS range of its own map).
  const byNode = new Map();
  for (let i = 0; i < 600; i++) {
    const k = `pl:${i}`;
    const id = c._groupsBySlot[calculateSlot(k)];
    if (!byNode.has(id)) byNode.set(id, []);
    byNode.get(id).push(k);
  }
  ok(byNode.size >= 3, `keys over ${byNode.size} groups`);
  const slotsUsed = new Set();
  const results = await Promise.all([...byNode.values()].map(async (keys) => {
    const p = c.pipeline();
    for (const k of keys) {
      slotsUsed.add(calculateSlot(k));
      p.set(k, `v-${k}`);
      p.get(k);
      p.incr(`{${k}}:n`);
    }
    return [keys, await p.exec()];
  }));
  for (const [keys, res] of results) {
    eq(res.length, keys.length * 3, "pipeline reply count");
    keys.forEach((k, i) => {
      eq(res[3 * i], [null, "OK"], `SET ${k}`);
      eq(res[3 * i + 1], [null, `v-${k}`], `GET ${k}`);
      eq(res[3 * i + 2], [null, 1], `INCR {${k}}:n`);
    });
  }
  ok(slotsUsed.size > 300, `only ${slotsUsed.size} slots used`);

  step = "MULTI/EXEC with hash tags";
  const tx = await c.multi().set("{tx}:a", "1").incr("{tx}:a").rpush("{tx}:l", "x", "y")
      .get("{tx}:a").exec();
  eq(tx, [[null, "OK"], [null, 2], [null, 2], [null, "2"]], "EXEC");
  const tx2 = await c.multi().get("{tx}:a").lrange("{tx}:l", 0, -1).del("{tx}:a", "{tx}:l").exec();
  eq(tx2, [[null, "2"], [null, ["x", "y"]], [null, 2]], "EXEC 2");
}

async function pubsub(c) {
  step = "pub/sub";
  const sub = new Redis.Cluster(startup, options);
  try {
    const got = [];
    sub.on("message", (ch, msg) => got.push([ch, msg]));
    eq(await sub.subscribe("news", "alerts"), 2, "SUBSCRIBE count");
    // Publish through every master: Redis Cluster broadcasts PUBLISH over the bus.
    for (const n of cfg.nodes.slice(0, 3)) {
      const d = node(n.port);
      await d.publish("news", `hello from ${n.port}`);
    }
    await c.publish("alerts", "via cluster client");
    await until(() => got.length >= 4, 5000, "4 messages");
    eq(got.map((m) => m[0]).sort(), ["alerts", "news", "news", "news"], "channels");
    ok(got.some((m) => m[1] === "via cluster client"), "cluster client publish delivered");
  } finally {
    sub.disconnect();
  }

  step = "SSUBSCRIBE/SPUBLISH";
  const ssub = new Redis.Cluster(startup, { ...options, shardedSubscribers: true });
  try {
    const got = [];
    ssub.on("smessage", (ch, msg) => got.push([ch, msg]));
    await ssub.ssubscribe("{shard}news");
    eq(await c.spublish("{shard}news", "s1"), 1, "SPUBLISH receivers");
    eq(await c.spublish("{shard}other", "nobody"), 0, "SPUBLISH without receivers");
    await until(() => got.length >= 1, 5000, "the sharded message");
    eq(got, [["{shard}news", "s1"]], "smessage");
    // SPUBLISH on a node that does not serve the channel's slot is redirected.
    const slot = calculateSlot("{shard}news");
    const owner = await ownerOf(c, slot);
    const other = cfg.nodes.slice(0, 6).find((n) => n.port !== owner.port);
    let err = null;
    try {
      await node(other.port).spublish("{shard}news", "x");
    } catch (e) {
      err = e.message;
    }
    ok(err && /^MOVED \d+ /.test(err) || err === null, `SPUBLISH elsewhere: ${err}`);
  } finally {
    ssub.disconnect();
  }
}

async function redirect(c) {
  step = "redirect: CLUSTER SETSLOT + MIGRATE under the client";
  const tag = "{moving}";
  const slot = calculateSlot(tag);
  const src = await ownerOf(c, slot);
  const masters = [];
  for (const [, , m] of await c.cluster("SLOTS")) {
    if (!masters.find((x) => x.port === m[1])) masters.push({ host: m[0], port: m[1], id: m[2] });
  }
  const dst = masters.find((m) => m.port !== src.port);
  for (let i = 0; i < 20; i++) eq(await c.set(`${tag}:${i}`, `v${i}`), "OK", "SET before");
  const s = node(src.port), d = node(dst.port);
  eq(await d.cluster("SETSLOT", slot, "IMPORTING", src.id), "OK", "SETSLOT IMPORTING");
  eq(await s.cluster("SETSLOT", slot, "MIGRATING", dst.id), "OK", "SETSLOT MIGRATING");
  // Half the keys move; the client must follow ASK for the moved ones and for new keys.
  eq(await s.migrate(dst.host, dst.port, "", 0, 5000, "KEYS",
                     ...Array.from({ length: 10 }, (_, i) => `${tag}:${i}`)), "OK", "MIGRATE");
  for (let i = 0; i < 20; i++) eq(await c.get(`${tag}:${i}`), `v${i}`, `GET ${i} mid-move`);
  eq(await c.set(`${tag}:new`, "n"), "OK", "SET of a new key mid-move (ASK)");
  eq(await c.incr(`${tag}:0:n`), 1, "INCR mid-move (ASK)");
  const rest = Array.from({ length: 10 }, (_, i) => `${tag}:${i + 10}`);
  eq(await s.migrate(dst.host, dst.port, "", 0, 5000, "KEYS", ...rest), "OK", "MIGRATE rest");
  for (const m of masters) {
    eq(await node(m.port).cluster("SETSLOT", slot, "NODE", dst.id), "OK", "SETSLOT NODE");
  }
  // MOVED now: ioredis refreshes its map and reads everything from the new owner.
  for (let i = 0; i < 20; i++) eq(await c.get(`${tag}:${i}`), `v${i}`, `GET ${i} after move`);
  eq(await c.get(`${tag}:new`), "n", "GET new key after move");
  eq(await d.dbsize() > 0, true, "keys at the target");
  eq(await d.cluster("COUNTKEYSINSLOT", slot), 22, "COUNTKEYSINSLOT at the new owner");
  eq(await s.cluster("COUNTKEYSINSLOT", slot), 0, "COUNTKEYSINSLOT at the old owner");
  eq((await ownerOf(c, slot)).port, dst.port, "the slot map says the target");
}

async function failover(c) {
  step = "kill -9 failover";
  const key = "failover:key";
  const slot = calculateSlot(key);
  const master = await ownerOf(c, slot);
  eq(await c.set(key, "kept"), "OK", "SET before the kill");
  const m = node(master.port);
  const acked = await m.wait(1, 5000);
  ok(acked >= 1, `WAIT acknowledged by ${acked} replicas`);
  const victim = cfg.nodes.find((n) => n.port === master.port);
  process.kill(victim.pid, "SIGKILL");
  const t0 = Date.now();
  // ioredis must recover by itself: the same client keeps asking until the slot is served.
  const got = await until(async () => {
    try {
      return (await c.get(key)) === "kept" ? "ok" : null;
    } catch (e) {
      return null;
    }
  }, 60000, "the slot to be served again");
  eq(got, "ok", "value after failover");
  eq(await c.set(key, "after"), "OK", "SET after failover");
  eq(await c.get(key), "after", "GET after failover");
  const now = await ownerOf(c, slot);
  ok(now.port !== master.port, `slot still on the killed master ${master.port}`);
  console.log(`failover: served again after ${Date.now() - t0} ms by ${now.port}`);
}

async function main() {
  const c = new Redis.Cluster(startup, options);
  try {
    step = "connect";
    eq(await c.ping(), "PONG", "PING");
    await dataTypes(c);
    await pipelines(c);
    await pubsub(c);
    await redirect(c);
    await failover(c);
  } finally {
    c.disconnect();
    for (const d of direct) d.disconnect();
  }
  console.log(`ioredis ${require("ioredis/package.json").version} cluster: all ok`);
}

main().then(() => { clearTimeout(hard); process.exit(0); },
            (e) => { console.error(`ioredis cluster failed: ${e.message}`); process.exit(1); });
