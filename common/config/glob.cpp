// Port of Redis 7's stringmatchlen_impl() (util.c) onto string_views. The original relies on the
// pattern being NUL-terminated when it peeks one byte ahead; here every peek goes through at(),
// which returns '\0' past the end, so behaviour is identical without reading out of bounds.
#include "common/config/glob.h"

#include <cctype>
#include <cstddef>
#include <utility>

namespace strata::config {
namespace {

constexpr int kMaxNesting = 1000;

int lower(char c) {
  return std::tolower(static_cast<unsigned char>(c));
}

class Matcher {
 public:
  explicit Matcher(bool nocase) : nocase_(nocase) {}

  // p / s are offsets into pattern / text; the "remaining length" of the original is size - offset.
  bool match(std::string_view pattern, size_t p, std::string_view text, size_t s, int nesting) {
    if (nesting > kMaxNesting) return false;
    auto at = [&](size_t i) { return i < pattern.size() ? pattern[i] : '\0'; };
    while (p < pattern.size() && s < text.size()) {
      switch (pattern[p]) {
        case '*': {
          while (p + 1 < pattern.size() && pattern[p + 1] == '*') ++p;
          if (p + 1 == pattern.size()) return true;  // trailing star matches the rest
          while (s < text.size()) {
            if (match(pattern, p + 1, text, s, nesting + 1)) return true;
            if (skip_longer_matches_) return false;
            ++s;
          }
          // The rest of the pattern matches nowhere in the rest of the text: no earlier star can
          // help by consuming more, so stop all backtracking.
          skip_longer_matches_ = true;
          return false;
        }
        case '?':
          ++s;
          break;
        case '[': {
          ++p;
          const bool negate = at(p) == '^';
          if (negate) ++p;
          bool matched = false;
          while (true) {
            if (at(p) == '\\' && pattern.size() - p >= 2) {
              ++p;
              if (pattern[p] == text[s]) matched = true;
            } else if (at(p) == ']') {
              break;
            } else if (p >= pattern.size()) {
              --p;  // unterminated class: the outer ++p below ends the pattern
              break;
            } else if (pattern.size() - p >= 3 && pattern[p + 1] == '-') {
              int start = static_cast<unsigned char>(pattern[p]);
              int end = static_cast<unsigned char>(pattern[p + 2]);
              int c = static_cast<unsigned char>(text[s]);
              if (start > end) std::swap(start, end);
              if (nocase_) {
                start = std::tolower(start);
                end = std::tolower(end);
                c = std::tolower(c);
              }
              p += 2;
              if (c >= start && c <= end) matched = true;
            } else if (same(pattern[p], text[s])) {
              matched = true;
            }
            ++p;
          }
          if (negate) matched = !matched;
          if (!matched) return false;
          ++s;
          break;
        }
        case '\\':
          if (pattern.size() - p >= 2) ++p;
          [[fallthrough]];
        default:
          if (!same(pattern[p], text[s])) return false;
          ++s;
          break;
      }
      ++p;
      if (s == text.size()) {
        while (at(p) == '*') ++p;
        break;
      }
    }
    return p >= pattern.size() && s == text.size();
  }

 private:
  bool same(char a, char b) const { return nocase_ ? lower(a) == lower(b) : a == b; }

  bool nocase_;
  bool skip_longer_matches_ = false;
};

}  // namespace

bool globMatch(std::string_view pattern, std::string_view text, bool nocase) {
  Matcher matcher(nocase);
  return matcher.match(pattern, 0, text, 0, 0);
}

}  // namespace strata::config
