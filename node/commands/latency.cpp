// LATENCY LATEST / HISTORY / RESET / GRAPH / DOCTOR / HISTOGRAM / HELP as redis-server 7.0
// (latency.c). The events come from server/latency.h (latency-monitor-threshold); HISTOGRAM
// reads the per-command log-2 buckets of server/command_stats.h in Redis 7's reply shape:
// {name: {calls: N, histogram_usec: {usec: cumulative count, ...}}}.
#include <cmath>
#include <cstdio>
#include <ctime>

#include "common/config/value_parsers.h"
#include "node/commands/handlers.h"
#include "node/server/command_stats.h"
#include "node/server/latency.h"
#include "node/server/server.h"

namespace strata::node {

namespace {

void replyHistogram(CommandContext& ctx, const CommandDef& def, const CommandCounters& c) {
  ctx.w.bulk(def.name);
  ctx.w.mapHeader(2);
  ctx.w.bulk("calls");
  ctx.w.integer(static_cast<int64_t>(c.calls));
  ctx.w.bulk("histogram_usec");
  size_t used = 0;
  for (const uint64_t n : c.log2Buckets) used += n > 0 ? 1 : 0;
  ctx.w.mapHeader(used);
  uint64_t cumulative = 0;
  for (size_t k = 0; k < kLatencyLog2Buckets; ++k) {
    if (c.log2Buckets[k] == 0) continue;
    cumulative += c.log2Buckets[k];
    ctx.w.integer(latencyLog2BucketTopNs(k) / 1000);
    ctx.w.integer(static_cast<int64_t>(cumulative));
  }
}

// A short analysis per event: samples, average, mean deviation and the average period.
std::string doctorReport(const LatencyMonitor& lm, int64_t threshold) {
  if (lm.events().empty()) {
    if (threshold == 0) {
      return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "
             "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in "
             "order to enable it. If we weren't in a deep space mission I'd suggest to take a "
             "look at https://redis.io/topics/latency-monitor.\n";
    }
    return "Dave, no latency spike was observed during the lifetime of this Redis instance, not "
           "in the slightest bit. I honestly think you ought to sit down calmly, take a stress "
           "pill, and think things over.\n";
  }
  std::string out =
      "Dave, I have observed latency spikes in this Redis instance. You don't mind talking "
      "about it, do you Dave?\n\n";
  int n = 0;
  for (const auto& [event, s] : lm.events()) {
    int64_t samples = 0, sum = 0, minTime = 0, maxTime = 0;
    for (const auto& sm : s.samples) {
      if (sm.time == 0) continue;
      ++samples;
      sum += sm.latency;
      if (minTime == 0 || sm.time < minTime) minTime = sm.time;
      maxTime = std::max(maxTime, sm.time);
    }
    const double avg = samples ? static_cast<double>(sum) / static_cast<double>(samples) : 0;
    double mad = 0;
    for (const auto& sm : s.samples) {
      if (sm.time != 0) mad += std::fabs(static_cast<double>(sm.latency) - avg);
    }
    if (samples) mad /= static_cast<double>(samples);
    const double period =
        samples > 1 ? static_cast<double>(maxTime - minTime) / static_cast<double>(samples) : 0;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "%d. %s: %lld latency spikes (average %lldms, mean deviation %lldms, period "
                  "%.2f sec). Worst all time event %lldms.\n",
                  ++n, event.c_str(), static_cast<long long>(samples), static_cast<long long>(avg),
                  static_cast<long long>(mad), period, static_cast<long long>(s.max));
    out += buf;
  }
  out +=
      "\nI have a few advices for you:\n\n- Check your Slow Log to understand what are the "
      "commands you are running which are too slow to execute. Please check "
      "https://redis.io/commands/slowlog for more information.\n";
  return out;
}

}  // namespace

namespace cmd {

void latencyLatest(CommandContext& ctx) {
  const auto& events = ctx.server.latency().events();
  ctx.w.arrayHeader(events.size());
  for (const auto& [event, s] : events) {
    ctx.w.arrayHeader(4);
    ctx.w.bulk(event);
    ctx.w.integer(s.latest().time);
    ctx.w.integer(s.latest().latency);
    ctx.w.integer(s.max);
  }
}

void latencyHistory(CommandContext& ctx) {
  const LatencyMonitor::Series* s = ctx.server.latency().find(ctx.arg(2));
  if (s == nullptr) {
    ctx.w.arrayHeader(0);
    return;
  }
  size_t used = 0;
  for (const auto& sm : s->samples) used += sm.time != 0 ? 1 : 0;
  ctx.w.arrayHeader(used);
  for (int j = 0; j < LatencyMonitor::kSamples; ++j) {
    const auto& sm = s->samples[(s->idx + j) % LatencyMonitor::kSamples];
    if (sm.time == 0) continue;
    ctx.w.arrayHeader(2);
    ctx.w.integer(sm.time);
    ctx.w.integer(sm.latency);
  }
}

void latencyReset(CommandContext& ctx) {
  LatencyMonitor& lm = ctx.server.latency();
  if (ctx.argc() == 2) {
    ctx.w.integer(static_cast<int64_t>(lm.resetAll()));
    return;
  }
  int64_t resets = 0;
  for (size_t j = 2; j < ctx.argc(); ++j) resets += lm.reset(ctx.arg(j)) ? 1 : 0;
  ctx.w.integer(resets);
}

void latencyGraph(CommandContext& ctx) {
  const LatencyMonitor::Series* s = ctx.server.latency().find(ctx.arg(2));
  if (s == nullptr) {
    ctx.w.error("ERR No samples available for event '" + std::string(ctx.arg(2)) + "'");
    return;
  }
  ctx.w.verbatim("txt", LatencyMonitor::graph(ctx.arg(2), *s, std::time(nullptr)));
}

void latencyDoctor(CommandContext& ctx) {
  ctx.w.verbatim("txt",
                 doctorReport(ctx.server.latency(), ctx.server.settings().latencyMonitorThreshold));
}

void latencyHistogram(CommandContext& ctx) {
  const CommandStats& stats = ctx.server.commandStats();
  std::vector<size_t> picked;
  auto pick = [&](const CommandDef& d) {
    const size_t i = stats.indexOf(d);
    if (i < stats.size() && stats.counters(i).calls > 0) picked.push_back(i);
  };
  if (ctx.argc() == 2) {
    for (size_t i = 0; i < stats.size(); ++i) {
      if (stats.counters(i).calls > 0) picked.push_back(i);
    }
  } else {
    // A container name stands for its subcommands, "container|sub" for one of them.
    for (size_t j = 2; j < ctx.argc(); ++j) {
      const std::string_view name = ctx.arg(j);
      const size_t bar = name.find('|');
      const CommandDef* d = ctx.server.commands().find(name.substr(0, bar));
      if (d == nullptr) continue;
      if (bar != std::string_view::npos) {
        if (const CommandDef* sub = CommandTable::findSub(*d, name.substr(bar + 1))) pick(*sub);
      } else if (d->subcommands.empty() || d->handler != nullptr) {
        pick(*d);
      }
      if (bar == std::string_view::npos) {
        for (const CommandDef& sub : d->subcommands) pick(sub);
      }
    }
  }
  ctx.w.mapHeader(picked.size());
  for (size_t i : picked) replyHistogram(ctx, stats.def(i), stats.counters(i));
}

void latencyHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "DOCTOR",
      "    Return a human readable latency analysis report.",
      "GRAPH <event>",
      "    Return an ASCII latency graph for the <event> class.",
      "HISTORY <event>",
      "    Return time-latency samples for the <event> class.",
      "LATEST",
      "    Return the latest latency samples for all events.",
      "RESET [<event> ...]",
      "    Reset latency data of one or more <event> classes.",
      "    (default: reset all data for all event classes)",
      "HISTOGRAM [COMMAND ...]",
      "    Return a cumulative distribution of latencies in the format of a histogram for the "
      "specified command names.",
      "    If no commands are specified then all histograms are replied.",
  };
  replyHelp(ctx, "LATENCY", kLines);
}

}  // namespace cmd

}  // namespace strata::node
