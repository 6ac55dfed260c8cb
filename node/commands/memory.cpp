// Memory introspection: MEMORY USAGE / STATS / DOCTOR / PURGE / MALLOC-STATS / HELP, and the
// body of INFO memory, with Redis 7.0's field names. The figures come from Eviction (the used
// memory counted against maxmemory, the peak, the start-up baseline, client buffers), the
// keyspace's own accounting; nothing here walks the heap (glibc's mallinfo2 would: ~80 ms on a
// fragmented 1M-key heap). Event-loop thread.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "common/config/value_parsers.h"
#include "common/errors.h"
#include "node/commands/handlers.h"
#include "node/observe/resident_memory.h"
#include "node/scripting/scripting.h"
#include "node/server/eviction.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

// Redis's bytesToHuman.
std::string human(size_t n) {
  char buf[32];
  const double d = static_cast<double>(n);
  if (n < 1024) {
    std::snprintf(buf, sizeof(buf), "%zuB", n);
  } else if (n < (1ULL << 20)) {
    std::snprintf(buf, sizeof(buf), "%.2fK", d / 1024);
  } else if (n < (1ULL << 30)) {
    std::snprintf(buf, sizeof(buf), "%.2fM", d / (1 << 20));
  } else if (n < (1ULL << 40)) {
    std::snprintf(buf, sizeof(buf), "%.2fG", d / (1ULL << 30));
  } else if (n < (1ULL << 50)) {
    std::snprintf(buf, sizeof(buf), "%.2fT", d / (1ULL << 40));
  } else if (n < (1ULL << 60)) {
    std::snprintf(buf, sizeof(buf), "%.2fP", d / (1ULL << 50));
  } else {
    std::snprintf(buf, sizeof(buf), "%zuB", n);  // as Redis's bytesToHuman past 1024P
  }
  return buf;
}

// One snapshot of every figure INFO memory and MEMORY STATS report.
struct MemoryFigures {
  size_t used, rss, peak, startup, clients, dataset, overhead;
  size_t allocated, active, resident;
  size_t keys;
  double ratio(size_t a, size_t b) const { return b ? static_cast<double>(a) / b : 0; }
};

MemoryFigures figures(Server& s) {
  Eviction& ev = s.eviction();
  ev.notePeak();
  MemoryFigures f{};
  f.used = ev.usedMemory();
  f.rss = residentBytes();
  f.peak = std::max(ev.peakMemory(), f.used);
  f.startup = ev.startupMemory();
  f.clients = ev.clientBuffers();
  f.dataset = s.keyspace().memoryUsage();
  f.overhead = f.startup + f.clients;
  // glibc's own counters (mallinfo2) walk every free chunk: ~80 ms on a fragmented 1M-key heap,
  // too slow even for INFO. The allocator_* fields report our accounting instead.
  f.allocated = f.used;
  f.active = f.used;
  f.resident = f.rss;
  f.keys = s.keyspace().size();
  return f;
}

void field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(":").append(value).append("\r\n");
}
void field(std::string& out, std::string_view name, size_t value) {
  field(out, name, std::to_string(value));
}
std::string fixed2(double v, const char* suffix = "") {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.2f%s", v, suffix);
  return buf;
}
size_t minus(size_t a, size_t b) {
  return a > b ? a - b : 0;
}

}  // namespace

std::string memoryInfo(Server& s) {
  const MemoryFigures f = figures(s);
  const auto& st = s.settings();
  const size_t maxmemory = static_cast<size_t>(st.maxmemory);
  const size_t systemMemory =
      static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::string out;
  field(out, "used_memory", f.used);
  field(out, "used_memory_human", human(f.used));
  field(out, "used_memory_rss", f.rss);
  field(out, "used_memory_rss_human", human(f.rss));
  field(out, "used_memory_peak", f.peak);
  field(out, "used_memory_peak_human", human(f.peak));
  field(out, "used_memory_peak_perc", fixed2(f.ratio(f.used, f.peak) * 100, "%"));
  field(out, "used_memory_overhead", f.overhead);
  field(out, "used_memory_startup", f.startup);
  field(out, "used_memory_dataset", f.dataset);
  field(out, "used_memory_dataset_perc",
        fixed2(f.ratio(f.dataset, minus(f.used, f.startup)) * 100, "%"));
  field(out, "allocator_allocated", f.allocated);
  field(out, "allocator_active", f.active);
  field(out, "allocator_resident", f.resident);
  field(out, "total_system_memory", systemMemory);
  field(out, "total_system_memory_human", human(systemMemory));
  // Scripting (node/scripting/scripting.h): the eval and functions Lua VMs, the script cache.
  Scripting& sc = s.scripting();
  const size_t vmEval = sc.luaMemory(), vmFunctions = sc.functionsMemory();
  field(out, "used_memory_lua", vmEval);
  field(out, "used_memory_vm_eval", vmEval);
  field(out, "used_memory_lua_human", human(vmEval));
  field(out, "used_memory_scripts_eval", sc.scriptsMemory());
  field(out, "number_of_cached_scripts", sc.cachedScripts());
  field(out, "number_of_functions", sc.functionsCount());
  field(out, "number_of_libraries", sc.librariesCount());
  field(out, "used_memory_vm_functions", vmFunctions);
  field(out, "used_memory_vm_total", vmEval + vmFunctions);
  field(out, "used_memory_vm_total_human", human(vmEval + vmFunctions));
  field(out, "used_memory_functions", sc.librariesMemory());
  field(out, "used_memory_scripts", sc.scriptsMemory() + sc.librariesMemory());
  field(out, "used_memory_scripts_human", human(sc.scriptsMemory() + sc.librariesMemory()));
  // "%lld" in Redis: past 2^63-1 the value shows negative (2^64-1 as -1).
  field(out, "maxmemory", std::to_string(static_cast<int64_t>(maxmemory)));
  field(out, "maxmemory_human", human(maxmemory));
  field(out, "maxmemory_policy", st.maxmemoryPolicy);
  field(out, "allocator_frag_ratio", fixed2(f.ratio(f.active, f.allocated)));
  field(out, "allocator_frag_bytes", minus(f.active, f.allocated));
  field(out, "allocator_rss_ratio", fixed2(f.ratio(f.resident, f.active)));
  field(out, "allocator_rss_bytes", minus(f.resident, f.active));
  field(out, "rss_overhead_ratio", fixed2(f.ratio(f.rss, f.resident)));
  field(out, "rss_overhead_bytes", minus(f.rss, f.resident));
  field(out, "mem_fragmentation_ratio", fixed2(f.ratio(f.rss, f.used)));
  field(out, "mem_fragmentation_bytes", minus(f.rss, f.used));
  field(out, "mem_not_counted_for_evict", size_t{0});
  field(out, "mem_replication_backlog", size_t{0});
  field(out, "mem_total_replication_buffers", size_t{0});
  field(out, "mem_clients_slaves", size_t{0});
  field(out, "mem_clients_normal", f.clients);
  field(out, "mem_cluster_links", size_t{0});
  field(out, "mem_aof_buffer", size_t{0});
  field(out, "mem_allocator", "libc");
  field(out, "active_defrag_running", size_t{0});
  field(out, "lazyfree_pending_objects", size_t{0});
  field(out, "lazyfreed_objects", size_t{0});
  return out;
}

namespace cmd {

void memoryUsage(CommandContext& ctx) {
  // SAMPLES is parsed as Redis does; our containers know their exact size, so it only
  // validates (0 = all, negative = syntax error).
  for (size_t j = 3; j < ctx.argc(); ++j) {
    if (config::equalsNoCase(ctx.arg(j), "samples") && j + 1 < ctx.argc()) {
      int64_t samples = 0;
      if (!intArgOrReply(ctx, ctx.arg(j + 1), samples)) return;
      if (samples < 0) {
        ctx.w.error(errors::kSyntax);
        return;
      }
      ++j;
    } else {
      ctx.w.error(errors::kSyntax);
      return;
    }
  }
  const Entry* e = ctx.ks.peek(ctx.arg(2));
  if (e == nullptr) {
    ctx.w.null();
    return;
  }
  ctx.w.integer(static_cast<int64_t>(ctx.ks.entryMemory(e)));
}

void memoryStats(CommandContext& ctx) {
  const MemoryFigures f = figures(ctx.server);
  resp::Writer& w = ctx.w;
  const bool hasKeys = f.keys > 0;
  w.mapHeader(27 + (hasKeys ? 1 : 0));
  auto num = [&](std::string_view name, size_t v) {
    w.bulk(name);
    w.integer(static_cast<int64_t>(v));
  };
  auto dbl = [&](std::string_view name, double v) {
    w.bulk(name);
    w.doubleValue(v);
  };
  num("peak.allocated", f.peak);
  num("total.allocated", f.used);
  num("startup.allocated", f.startup);
  num("replication.backlog", 0);
  num("clients.slaves", 0);
  num("clients.normal", f.clients);
  num("cluster.links", 0);
  num("aof.buffer", 0);
  num("lua.caches", 0);
  num("functions.caches", 0);
  if (hasKeys) {
    const size_t tables = ctx.ks.bucketCount() * sizeof(Entry*);
    w.bulk("db.0");
    w.mapHeader(3);
    num("overhead.hashtable.main", tables);
    num("overhead.hashtable.expires", ctx.ks.volatileCount() * 16);
    num("overhead.hashtable.slot-to-keys", ctx.ks.slotIndexEnabled() ? f.keys * 16 : 0);
  }
  num("overhead.total", f.overhead);
  num("keys.count", f.keys);
  num("keys.bytes-per-key", f.keys ? minus(f.used, f.startup) / f.keys : 0);
  num("dataset.bytes", f.dataset);
  dbl("dataset.percentage", f.ratio(f.dataset, minus(f.used, f.startup)) * 100);
  dbl("peak.percentage", f.ratio(f.used, f.peak) * 100);
  num("allocator.allocated", f.allocated);
  num("allocator.active", f.active);
  num("allocator.resident", f.resident);
  dbl("allocator-fragmentation.ratio", f.ratio(f.active, f.allocated));
  num("allocator-fragmentation.bytes", minus(f.active, f.allocated));
  dbl("allocator-rss.ratio", f.ratio(f.resident, f.active));
  num("allocator-rss.bytes", minus(f.resident, f.active));
  dbl("rss-overhead.ratio", f.ratio(f.rss, f.resident));
  num("rss-overhead.bytes", minus(f.rss, f.resident));
  dbl("fragmentation", f.ratio(f.rss, f.used));
  num("fragmentation.bytes", minus(f.rss, f.used));
}

void memoryDoctor(CommandContext& ctx) {
  const MemoryFigures f = figures(ctx.server);
  std::string report;
  if (f.used < 5 * 1024 * 1024) {
    report =
        "Hi Sam, this instance is empty or is using very little memory, my issues detector can't "
        "be used in these conditions. Please, leave for your mission on Earth and fill it with "
        "some data. The new Sam and I will be back to our programming as soon as I finished "
        "rebooting.";
  } else {
    std::string issues;
    if (f.peak > f.used && f.ratio(f.peak, f.used) > 1.5) {
      issues +=
          " * Peak memory: In the past this instance used more than 150% the memory that is "
          "currently using. The allocator is normally not able to release memory after a peak, "
          "so you can expect to see a big fragmentation ratio, however this is actually "
          "harmless and is only due to the memory peak, and if the Redis instance Resident Set "
          "Size (RSS) is currently bigger than expected, the memory will be used as soon as you "
          "fill the Redis instance with more data. If the memory peak was only occasional and "
          "you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise "
          "the only other option is to shutdown and restart the instance.\n\n";
    }
    if (f.ratio(f.rss, f.used) > 1.4 && minus(f.rss, f.used) > 10 * 1024 * 1024) {
      issues +=
          " * High total RSS: This instance has a memory fragmentation and RSS overhead greater "
          "than 1.4 (this means that the Resident Set Size of the Redis process is much larger "
          "than the sum of the logical allocations Redis performed). This problem is usually "
          "due either to a large peak memory (check if there is a peak memory entry above in "
          "the report) or may result from a workload that causes the allocator to fragment "
          "memory a lot. You may try the MEMORY PURGE command to reclaim memory.\n\n";
    }
    if (issues.empty()) {
      report =
          "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
          "occurs on this base.";
    } else {
      report = "Sam, I detected a few issues in this Redis instance memory implants:\n\n" + issues +
               "I'm here to keep you safe, Sam. I want to help you.\n";
    }
  }
  ctx.w.verbatim("txt", report);
}

void memoryPurge(CommandContext& ctx) {
  malloc_trim(0);
  ctx.w.ok();
}

void memoryMallocStats(CommandContext& ctx) {
  // Redis built with libc malloc answers this (jemalloc builds print jemalloc's report).
  ctx.w.bulk("Stats not supported for the current allocator");
}

void memoryHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
  };
  replyHelp(ctx, "MEMORY", kLines);
}

}  // namespace cmd

}  // namespace strata::node
