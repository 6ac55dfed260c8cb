// The Helm chart (deploy/helm/strata), rendered offline and validated: builds the renderer
// (deploy/helm/render: Go text/template + sprig + gojsonschema, as Helm) with Debian's Go, renders
// the chart for the default values and for auth / TLS / replica / monitoring variations, checks
// every manifest against the Kubernetes API's JSON schemas (npm kubernetes-models and the
// prometheus-operator models), checks what the API server would reject or silently break
// (selectors that miss their pods, probes naming no port) and asserts the key fields.
// Run: node --test tests/deploy/helm_chart.test.mjs   (CTest: deploy.helm_chart, label unit)
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const chart = path.join(root, "deploy/helm/strata");
const work = mkdtempSync(path.join(tmpdir(), "strata-chart-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

// Debian's Go, offline: GOPATH mode against /usr/share/gocode (the -dev packages).
const renderBin = path.join(work, "render");
execFileSync("go", ["build", "-o", renderBin, "."], {
  cwd: path.join(root, "deploy/helm/render"),
  env: {
    ...process.env,
    GO111MODULE: "off",
    GOPATH: "/usr/share/gocode",
    GOCACHE: process.env.STRATA_GOCACHE || path.join(work, "gocache"),
    GOFLAGS: "",
  },
  stdio: ["ignore", "inherit", "inherit"],
});

function renderRaw(args) {
  const notes = path.join(work, "notes.txt");
  const r = spawnSync(renderBin, ["--chart", chart, "--name", "prod", "--namespace", "data",
    "--notes", notes, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, notes };
}

const modelCache = new Map();
async function modelFor(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (!modelCache.has(key)) {
    const mod = apiVersion.startsWith("monitoring.coreos.com/")
      ? `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`
      : `kubernetes-models/${apiVersion}/${kind}`;
    modelCache.set(key, (await import(mod))[kind]);
  }
  return modelCache.get(key);
}

// Renders and validates; returns { docs, byKind(kind), one(kind, nameSuffix), notes }.
async function render(...sets) {
  const args = [];
  for (const s of sets) {
    if (s.startsWith("--")) args.push(s);
    else args.push("--set", s);
  }
  const r = renderRaw(args);
  assert.equal(r.status, 0, `render failed: ${r.stderr}`);
  const docs = YAML.parseAllDocuments(r.stdout).map((d) => {
    assert.equal(d.errors.length, 0, `YAML error: ${d.errors.join("; ")}`);
    return d.toJS();
  });
  assert.ok(docs.length > 0);
  for (const doc of docs) {
    assert.ok(doc.apiVersion && doc.kind, `manifest without apiVersion/kind: ${JSON.stringify(doc)}`);
    const Model = await modelFor(doc.apiVersion, doc.kind);
    try {
      new Model(doc).validate();
    } catch (e) {
      assert.fail(`${doc.kind} ${doc.metadata?.name}: ${e.message}`);
    }
    assert.match(doc.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    assert.ok(doc.metadata.name.length <= 63, `${doc.metadata.name} longer than 63`);
    assert.equal(doc.metadata.namespace, "data");
  }
  checkConsistency(docs);
  const byKind = (kind) => docs.filter((d) => d.kind === kind);
  const one = (kind, suffix) => {
    const found = docs.filter((d) => d.kind === kind && d.metadata.name.endsWith(suffix));
    assert.equal(found.length, 1, `want one ${kind} *${suffix}, have ${found.length}`);
    return found[0];
  };
  return { docs, byKind, one, notes: readFileSync(r.notes, "utf8") };
}

const subset = (sel, labels) => Object.entries(sel).every(([k, v]) => labels?.[k] === v);

// What schema validation cannot see: selectors must select the pod template, Services must
// select some workload, named ports in probes and Services must exist, volumes must be declared.
function checkConsistency(docs) {
  const workloads = docs.filter((d) => ["StatefulSet", "Deployment", "Job"].includes(d.kind));
  for (const w of workloads) {
    const labels = w.spec.template.metadata.labels;
    if (w.spec.selector) {
      assert.ok(subset(w.spec.selector.matchLabels, labels), `${w.metadata.name}: selector misses its pods`);
    }
    const spec = w.spec.template.spec;
    const volumes = new Set((spec.volumes || []).map((v) => v.name));
    for (const t of w.spec.volumeClaimTemplates || []) volumes.add(t.metadata.name);
    for (const c of spec.containers) {
      const ports = new Set((c.ports || []).map((p) => p.name));
      for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
        const p = c[probe]?.httpGet?.port ?? c[probe]?.tcpSocket?.port;
        if (typeof p === "string") assert.ok(ports.has(p), `${w.metadata.name}: ${probe} port ${p} undefined`);
      }
      for (const m of c.volumeMounts || []) {
        assert.ok(volumes.has(m.name), `${w.metadata.name}: volume ${m.name} undeclared`);
      }
    }
  }
  for (const svc of docs.filter((d) => d.kind === "Service")) {
    const targets = workloads.filter((w) => subset(svc.spec.selector, w.spec.template.metadata.labels));
    assert.equal(targets.length, 1, `Service ${svc.metadata.name} selects ${targets.length} workloads`);
    const ports = new Set(targets[0].spec.template.spec.containers.flatMap((c) => (c.ports || []).map((p) => p.name)));
    for (const p of svc.spec.ports) assert.ok(ports.has(p.targetPort), `${svc.metadata.name}: targetPort ${p.targetPort}`);
  }
  for (const pdb of docs.filter((d) => d.kind === "PodDisruptionBudget")) {
    assert.ok(workloads.some((w) => subset(pdb.spec.selector.matchLabels, w.spec.template.metadata.labels)));
  }
  for (const hpa of docs.filter((d) => d.kind === "HorizontalPodAutoscaler")) {
    assert.ok(docs.some((d) => d.kind === hpa.spec.scaleTargetRef.kind && d.metadata.name === hpa.spec.scaleTargetRef.name));
  }
  for (const sm of docs.filter((d) => d.kind === "ServiceMonitor")) {
    const svcs = docs.filter((d) => d.kind === "Service" && subset(sm.spec.selector.matchLabels, d.metadata.labels));
    assert.equal(svcs.length, 1, `ServiceMonitor ${sm.metadata.name} selects ${svcs.length} Services`);
    for (const e of sm.spec.endpoints) assert.ok(svcs[0].spec.ports.some((p) => p.name === e.port));
  }
}

const container = (w) => w.spec.template.spec.containers[0];
const envOf = (c) => Object.fromEntries((c.env || []).map((e) => [e.name, e]));
const argAfter = (args, flag) => {
  const i = args.indexOf(flag);
  assert.ok(i >= 0, `missing ${flag} in ${args.join(" ")}`);
  return args[i + 1];
};
const toml = (cm) => {
  const out = {};
  for (const line of cm.data["proxy.toml"].split("\n")) {
    const m = line.match(/^([a-z-]+) = (.*)$/);
    if (m) out[m[1]] = JSON.parse(m[2]);
  }
  return out;
};

test("default values: 3 shards x 2, proxies with HPA, no Secret, no ServiceMonitor", async () => {
  const r = await render();
  const kinds = r.docs.map((d) => d.kind).sort();
  assert.deepEqual(kinds, ["ConfigMap", "ConfigMap", "Deployment", "HorizontalPodAutoscaler", "Job",
    "PodDisruptionBudget", "PodDisruptionBudget", "Service", "Service", "StatefulSet"]);

  const sts = r.one("StatefulSet", "-node");
  assert.equal(sts.metadata.name, "prod-strata-node");
  assert.equal(sts.spec.replicas, 6);
  assert.equal(sts.spec.serviceName, "prod-strata-node-headless");
  assert.equal(sts.spec.podManagementPolicy, "Parallel");
  const c = container(sts);
  assert.equal(argAfter(c.args, "--cluster-enabled"), "yes");
  assert.equal(argAfter(c.args, "--cluster-announce-ip"), "$(POD_IP)");
  assert.equal(argAfter(c.args, "--cluster-config-file"), "/data/nodes.conf");
  assert.equal(argAfter(c.args, "--metrics-port"), "9122");
  assert.equal(argAfter(c.args, "--appendonly"), "yes");
  assert.ok(!c.args.includes("--requirepass"));
  assert.equal(envOf(c).POD_IP.valueFrom.fieldRef.fieldPath, "status.podIP");
  assert.deepEqual(c.ports.map((p) => [p.name, p.containerPort]), [["redis", 6379], ["bus", 16379], ["metrics", 9122]]);
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(sts.spec.template.spec.securityContext.runAsNonRoot, true);
  const pvc = sts.spec.volumeClaimTemplates[0];
  assert.equal(pvc.spec.resources.requests.storage, "8Gi");
  assert.deepEqual(pvc.spec.accessModes, ["ReadWriteOnce"]);
  const anti = sts.spec.template.spec.affinity.podAntiAffinity;
  assert.equal(anti.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey, "kubernetes.io/hostname");
  assert.equal(anti.requiredDuringSchedulingIgnoredDuringExecution, undefined);

  const headless = r.one("Service", "-node-headless");
  assert.equal(headless.spec.clusterIP, "None");
  assert.equal(headless.spec.publishNotReadyAddresses, true);
  assert.deepEqual(headless.spec.ports.map((p) => p.port), [6379, 16379, 9122]);

  assert.equal(r.one("PodDisruptionBudget", "-node").spec.maxUnavailable, 1);
  assert.equal(r.one("PodDisruptionBudget", "-proxy").spec.minAvailable, 1);

  const job = r.one("Job", "-cluster-1");
  assert.equal(job.metadata.annotations["helm.sh/hook"], "post-install,post-upgrade");
  assert.match(job.metadata.annotations["helm.sh/hook-delete-policy"], /before-hook-creation/);
  const je = envOf(container(job));
  assert.equal(je.NODE_COUNT.value, "6");
  assert.equal(je.SHARDS.value, "3");
  assert.equal(je.REPLICAS.value, "1");
  assert.equal(je.STATEFULSET.value, sts.metadata.name);
  assert.equal(je.SERVICE.value, headless.metadata.name);
  assert.equal(je.REDISCLI_AUTH, undefined);
  const script = r.one("ConfigMap", "-cluster-scripts").data["form-cluster.sh"];
  assert.match(script, /redis-cli --cluster create \$all --cluster-replicas "\$REPLICAS" --cluster-yes/);
  assert.match(script, /redis-cli --cluster add-node/);
  assert.match(script, /redis-cli --cluster rebalance "\$first" --cluster-use-empty-masters/);
  assert.equal(job.spec.template.spec.volumes[0].configMap.name, "prod-strata-cluster-scripts");

  const dep = r.one("Deployment", "-proxy");
  assert.equal(dep.spec.replicas, undefined, "the HPA owns the replica count");
  const pc = container(dep);
  assert.deepEqual(pc.args, ["/etc/strata/proxy.toml"]);
  assert.equal(pc.readinessProbe.httpGet.path, "/readyz");
  assert.equal(pc.livenessProbe.httpGet.path, "/healthz");
  assert.match(dep.spec.template.metadata.annotations["checksum/config"], /^[0-9a-f]{64}$/);
  const conf = toml(r.one("ConfigMap", "-proxy"));
  assert.equal(conf.port, 6380);
  assert.equal(conf["metrics-port"], 9121);
  assert.equal(conf.bind, "0.0.0.0");
  assert.equal(conf.nodes.length, 6);
  assert.equal(conf.nodes[5], "prod-strata-node-5.prod-strata-node-headless.data.svc:6379");
  assert.equal(conf["log-format"], "json");
  assert.equal(conf["tls-port"], undefined);
  const hpa = r.one("HorizontalPodAutoscaler", "-proxy");
  assert.equal(hpa.spec.minReplicas, 2);
  assert.equal(hpa.spec.maxReplicas, 10);
  assert.equal(hpa.spec.metrics[0].resource.target.averageUtilization, 70);
  assert.deepEqual(r.one("Service", "-proxy").spec.ports.map((p) => p.name), ["redis", "metrics"]);
  assert.match(r.notes, /is installed as "prod"/);
  assert.match(r.notes, /3 shards x 2 nodes = 6 pods/);
});

test("auth: generated Secret, passwords from it in nodes, proxies and the Job", async () => {
  const r = await render("auth.enabled=true", "auth.password=s3cret");
  const secret = r.one("Secret", "-auth");
  assert.equal(Buffer.from(secret.data.password, "base64").toString(), "s3cret");
  const node = container(r.one("StatefulSet", "-node"));
  assert.equal(argAfter(node.args, "--requirepass"), "$(STRATA_PASSWORD)");
  assert.equal(argAfter(node.args, "--masterauth"), "$(STRATA_PASSWORD)");
  for (const c of [node, container(r.one("Deployment", "-proxy")), container(r.one("Job", "-cluster-1"))]) {
    const env = envOf(c);
    for (const name of ["STRATA_PASSWORD", "REDISCLI_AUTH"]) {
      assert.deepEqual(env[name].valueFrom.secretKeyRef, { name: "prod-strata-auth", key: "password" });
    }
  }
  const proxy = container(r.one("Deployment", "-proxy"));
  assert.equal(argAfter(proxy.args, "--requirepass"), "$(STRATA_PASSWORD)");
  assert.equal(argAfter(proxy.args, "--backend-password"), "$(STRATA_PASSWORD)");
  assert.ok(!r.one("ConfigMap", "-proxy").data["proxy.toml"].includes("s3cret"), "no password in the ConfigMap");
  assert.match(r.notes, /get secret prod-strata-auth/);

  const ext = await render("auth.enabled=true", "auth.existingSecret=mine");
  assert.equal(ext.byKind("Secret").length, 0);
  assert.equal(envOf(container(ext.one("StatefulSet", "-node"))).STRATA_PASSWORD.valueFrom.secretKeyRef.name, "mine");
});

test("TLS: Secret of type kubernetes.io/tls, TLS listener, mounted files, mutual TLS, TLS only", async () => {
  const r = await render("tls.enabled=true", "tls.cert=CERT", "tls.key=KEY");
  const secret = r.one("Secret", "-tls");
  assert.equal(secret.type, "kubernetes.io/tls");
  assert.equal(Buffer.from(secret.data["tls.crt"], "base64").toString(), "CERT");
  assert.equal(Buffer.from(secret.data["tls.key"], "base64").toString(), "KEY");
  assert.equal(secret.data["ca.crt"], undefined);
  const conf = toml(r.one("ConfigMap", "-proxy"));
  assert.equal(conf["tls-port"], 6390);
  assert.equal(conf.port, 6380);
  assert.equal(conf["tls-cert-file"], "/etc/strata/tls/tls.crt");
  assert.equal(conf["tls-key-file"], "/etc/strata/tls/tls.key");
  assert.equal(conf["tls-auth-clients"], undefined);
  const dep = r.one("Deployment", "-proxy");
  const tlsVol = dep.spec.template.spec.volumes.find((v) => v.name === "tls");
  assert.equal(tlsVol.secret.secretName, "prod-strata-tls");
  assert.equal(container(dep).volumeMounts.find((m) => m.name === "tls").mountPath, "/etc/strata/tls");
  assert.deepEqual(r.one("Service", "-proxy").spec.ports.map((p) => [p.name, p.port]),
    [["redis", 6380], ["redis-tls", 6390], ["metrics", 9121]]);

  const mtls = await render("tls.enabled=true", "tls.cert=C", "tls.key=K", "tls.ca=CA",
    "tls.authClients=true", "tls.disablePlainPort=true");
  assert.equal(Buffer.from(mtls.one("Secret", "-tls").data["ca.crt"], "base64").toString(), "CA");
  const mconf = toml(mtls.one("ConfigMap", "-proxy"));
  assert.equal(mconf["tls-auth-clients"], true);
  assert.equal(mconf["tls-ca-cert-file"], "/etc/strata/tls/ca.crt");
  assert.equal(mconf.port, 0, "TLS only: no plain listener");
  assert.deepEqual(mtls.one("Service", "-proxy").spec.ports.map((p) => p.name), ["redis-tls", "metrics"]);

  const ext = await render("tls.enabled=true", "tls.existingSecret=my-tls");
  assert.equal(ext.byKind("Secret").length, 0);
  assert.equal(ext.one("Deployment", "-proxy").spec.template.spec.volumes.find((v) => v.name === "tls").secret.secretName, "my-tls");
});

test("replicas: shards and replicasPerShard size the StatefulSet, the Job and the seeds", async () => {
  for (const [shards, per, pods] of [[5, 2, 15], [3, 0, 3], [4, 1, 8]]) {
    const r = await render(`shards=${shards}`, `replicasPerShard=${per}`);
    assert.equal(r.one("StatefulSet", "-node").spec.replicas, pods);
    const env = envOf(container(r.one("Job", "-cluster-1")));
    assert.equal(env.NODE_COUNT.value, String(pods));
    assert.equal(env.SHARDS.value, String(shards));
    assert.equal(env.REPLICAS.value, String(per));
    assert.equal(toml(r.one("ConfigMap", "-proxy")).nodes.length, pods);
  }
  const fixed = await render("proxy.autoscaling.enabled=false", "proxy.replicas=4");
  assert.equal(fixed.one("Deployment", "-proxy").spec.replicas, 4);
  assert.equal(fixed.byKind("HorizontalPodAutoscaler").length, 0);
});

test("placement and storage: hard anti-affinity, no persistence, maxmemory", async () => {
  const r = await render("node.antiAffinity=hard", "node.persistence.enabled=false",
    "node.maxmemory=2gb", "node.maxmemoryPolicy=allkeys-lru");
  const sts = r.one("StatefulSet", "-node");
  const anti = sts.spec.template.spec.affinity.podAntiAffinity;
  assert.equal(anti.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey, "kubernetes.io/hostname");
  assert.equal(sts.spec.volumeClaimTemplates, undefined);
  assert.deepEqual(sts.spec.template.spec.volumes, [{ name: "data", emptyDir: {} }]);
  assert.equal(argAfter(container(sts).args, "--maxmemory"), "2gb");
  assert.equal(argAfter(container(sts).args, "--maxmemory-policy"), "allkeys-lru");
  const none = await render("node.antiAffinity=none");
  assert.equal(none.one("StatefulSet", "-node").spec.template.spec.affinity, undefined);
});

test("ServiceMonitors for nodes and proxies; proxy disabled", async () => {
  const r = await render("serviceMonitor.enabled=true", "serviceMonitor.labels.release=kube-prometheus");
  const sms = r.byKind("ServiceMonitor");
  assert.equal(sms.length, 2);
  for (const sm of sms) {
    assert.equal(sm.apiVersion, "monitoring.coreos.com/v1");
    assert.equal(sm.metadata.labels.release, "kube-prometheus");
    assert.deepEqual(sm.spec.endpoints, [{ port: "metrics", path: "/metrics", interval: "15s" }]);
  }
  const off = await render("proxy.enabled=false", "serviceMonitor.enabled=true");
  assert.deepEqual(off.docs.map((d) => d.kind).sort(),
    ["ConfigMap", "Job", "PodDisruptionBudget", "Service", "ServiceMonitor", "StatefulSet"]);
});

test("upgrade: a new Job per revision, NOTES say so", async () => {
  const r = await render("--upgrade", "--revision=7", "shards=4");
  r.one("Job", "-cluster-7");
  assert.match(r.notes, /upgraded/);
  assert.match(r.notes, /adds new pods and rebalances slots/);
});

test("values.schema.json and required values reject bad values", () => {
  const cases = [
    [["shards=2"], /shards: Must be greater than or equal to 3/],
    [["node.prot=1"], /Additional property prot is not allowed/],
    [["nodes=3"], /Additional property nodes is not allowed/],
    [["proxy.config.port=1"], /proxy\.config/],
    [["node.antiAffinity=always"], /node\.antiAffinity/],
    [["node.persistence.size=lots"], /node\.persistence\.size/],
    [["auth.enabled=true"], /auth.enabled needs auth.password or auth.existingSecret/],
    [["tls.enabled=true", "tls.cert=C"], /tls.enabled needs tls.key/],
    [["tls.enabled=true", "tls.cert=C", "tls.key=K", "tls.authClients=true"], /tls.authClients needs tls.ca/],
  ];
  for (const [sets, want] of cases) {
    const r = renderRaw(sets.flatMap((s) => ["--set", s]));
    assert.notEqual(r.status, 0, `${sets} rendered`);
    assert.match(r.stderr, want);
  }
});
