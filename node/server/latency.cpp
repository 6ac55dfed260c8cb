// The latency monitor's samples and Redis's sparkline graph (see latency.h).
#include "node/server/latency.h"

#include <cstdio>
#include <vector>

#include "node/server/server.h"

namespace strata::node {

void LatencyMonitor::add(std::string_view event, int64_t latencyMs, int64_t now) {
  auto it = events_.find(event);
  if (it == events_.end()) it = events_.emplace(std::string(event), Series{}).first;
  Series& s = it->second;
  if (latencyMs > s.max) s.max = latencyMs;
  // One sample per second: a second sample in the same second keeps the worse latency.
  Sample& prev = s.samples[(s.idx + kSamples - 1) % kSamples];
  if (prev.time == now) {
    if (latencyMs > prev.latency) prev.latency = latencyMs;
    return;
  }
  s.samples[s.idx] = Sample{now, latencyMs};
  s.idx = (s.idx + 1) % kSamples;
}

const LatencyMonitor::Series* LatencyMonitor::find(std::string_view event) const {
  auto it = events_.find(event);
  return it == events_.end() ? nullptr : &it->second;
}

bool LatencyMonitor::reset(std::string_view event) {
  auto it = events_.find(event);
  if (it == events_.end()) return false;
  events_.erase(it);
  return true;
}

size_t LatencyMonitor::resetAll() {
  const size_t n = events_.size();
  events_.clear();
  return n;
}

namespace {

constexpr int kGraphCols = 80;
constexpr int kGraphRows = 4;

struct SparkSample {
  double value;
  std::string label;
};

// Redis's sparklineRenderRange with SPARKLINE_FILL ("_o#", '|' below the top), labels printed
// vertically under the columns after one blank row.
void renderRange(std::string& out, const std::vector<SparkSample>& seq, double min, double max,
                 size_t offset, size_t len) {
  static constexpr char kFill[] = "_o#";
  constexpr int kCharsetLen = 3;
  double relmax = max - min;
  if (relmax == 0) relmax = 1;
  const int steps = kCharsetLen * kGraphRows;
  std::string chars(len, ' ');
  for (int row = 0;; ++row) {
    bool more = false;
    chars.assign(len, ' ');
    for (size_t j = 0; j < len; ++j) {
      const SparkSample& s = seq[j + offset];
      const double relval = s.value - min;
      int step = static_cast<int>(static_cast<int>(relval * steps) / relmax);
      if (step < 0) step = 0;
      if (step >= steps) step = steps - 1;
      if (row < kGraphRows) {
        const int charidx = step - ((kGraphRows - row - 1) * kCharsetLen);
        more = true;
        if (charidx >= 0 && charidx < kCharsetLen) {
          chars[j] = kFill[charidx];
        } else if (charidx >= kCharsetLen) {
          chars[j] = '|';
        }
      } else {
        if (row - kGraphRows < 1) {  // the blank row above the labels
          more = true;
          break;
        }
        const int labelChar = row - kGraphRows - 1;
        if (static_cast<int>(s.label.size()) > labelChar) {
          more = true;
          chars[j] = s.label[labelChar];
        }
      }
    }
    if (!more) break;
    out += chars;
    out += '\n';
  }
}

}  // namespace

std::string LatencyMonitor::graph(std::string_view event, const Series& s, int64_t now) {
  std::vector<SparkSample> seq;
  int64_t min = 0, max = 0;
  for (int j = 0; j < kSamples; ++j) {
    const Sample& sm = s.samples[(s.idx + j) % kSamples];
    if (sm.time == 0) continue;
    if (seq.empty()) {
      min = max = sm.latency;
    } else {
      max = std::max(max, sm.latency);
      min = std::min(min, sm.latency);
    }
    const int64_t elapsed = now - sm.time;
    char buf[64];
    if (elapsed < 60) {
      std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(elapsed));
    } else if (elapsed < 3600) {
      std::snprintf(buf, sizeof buf, "%lldm", static_cast<long long>(elapsed / 60));
    } else if (elapsed < 3600 * 24) {
      std::snprintf(buf, sizeof buf, "%lldh", static_cast<long long>(elapsed / 3600));
    } else {
      std::snprintf(buf, sizeof buf, "%lldd", static_cast<long long>(elapsed / (3600 * 24)));
    }
    seq.push_back({static_cast<double>(sm.latency), buf});
  }
  std::string out(event);
  out += " - high " + std::to_string(max) + " ms, low " + std::to_string(min) +
         " ms (all time high " + std::to_string(s.max) + " ms)\n";
  out += std::string(kGraphCols, '-');
  out += '\n';
  for (size_t j = 0; j < seq.size(); j += kGraphCols) {
    const size_t sublen = std::min<size_t>(seq.size() - j, kGraphCols);
    if (j != 0) out += '\n';
    renderRange(out, seq, static_cast<double>(min), static_cast<double>(max), j, sublen);
  }
  return out;
}

void Server::latencyEvent(std::string_view event, int64_t latencyMs) {
  latency_->add(event, latencyMs);
}

}  // namespace strata::node
