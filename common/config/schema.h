// The declarative option table, Redis static_configs[]-style. A program describes its settings
// struct once, one line per option:
//
//   struct NodeSettings { uint16_t port; bool cluster_enabled; int64_t maxmemory; };
//   Schema<NodeSettings> s;
//   s.integer("port", &NodeSettings::port, 6379, {0, 65535}, kImmutable, "TCP port.")
//    .boolean("cluster-enabled", &NodeSettings::cluster_enabled, false, kImmutable, "Cluster.")
//    .memory("maxmemory", &NodeSettings::maxmemory, 0, {0, kNoMax}, kReloadable, "Limit.");
//
// Each option has a kebab-case name, a type, a default, bounds, a reloadable flag (may change via
// CONFIG SET / SIGHUP reload) and help text, and is bound to a member of the settings struct
// through a pointer-to-member, so the binding is checked by the compiler. The table is consumed
// by loader.h (TOML file + command line), registry.h (CONFIG GET / SET) and help.h (--help).
//
// S must be copyable: loading and CONFIG SET work on a scratch copy and commit only on success.
// Schema<S> only builds type-erased Option records (closures that cast the opaque settings
// pointer back to S); all parsing lives in value_parsers.cpp / toml_values.cpp. Declaration
// mistakes (duplicate name, default out of range, bounds wider than the field) are programming
// errors and abort at startup with a message.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <toml.hpp>

#include "common/config/status.h"
#include "common/config/toml_values.h"
#include "common/config/value_parsers.h"

namespace strata::config {

enum class OptionType { kBool, kInteger, kMemory, kString, kEnum, kStringList, kCustom };

// "bool", "integer", "memory", "string", "enum", "list", "custom".
std::string_view optionTypeName(OptionType type);

enum class Mutability { kImmutable, kReloadable };
inline constexpr Mutability kImmutable = Mutability::kImmutable;
inline constexpr Mutability kReloadable = Mutability::kReloadable;

// One row of the table. The closures receive the settings object as void*; it is always the S
// of the Schema<S> that built the option (the only way to create options), so the casts inside
// are safe. Users normally only read the descriptive fields.
struct Option {
  std::string name;
  OptionType type = OptionType::kString;
  Mutability mutability = kImmutable;
  std::string help;
  std::string value_hint;    // for --help: "integer [0, 65535]", "debug|verbose|notice|warning"
  std::string default_text;  // the default as CONFIG GET would render it
  Range range;               // integer and memory options: the inclusive bounds
  std::vector<std::string> choices;  // enum options: the choices in declaration order
  bool unsigned64 = false;           // a memory option held in a uint64_t: up to 2^64-1

  std::function<Status(void* settings, std::string_view text)> parse_text;
  std::function<Status(void* settings, const toml::value& value)> parse_toml;
  std::function<std::string(const void* settings)> render;
  std::function<void(void* settings)> set_default;
  std::function<void(void* dst, const void* src)> copy;
  // Whether the field holds the same value in both objects (operator== when the field type has
  // one, else equal renderings); reload() uses it to find what changed.
  std::function<bool(const void* a, const void* b)> equal;

  bool reloadable() const { return mutability == kReloadable; }
};

// Parse / render functions of a custom option type T (e.g. `save 900 1 300 10`).
//  - parse: from words. Command-line tokens and CONFIG SET values are joined by spaces, then
//    split with splitArgs(), so `--save 900 1` and `CONFIG SET save "900 1"` both give {900, 1}.
//  - render: the CONFIG GET text; parse(splitArgs(render(x))) should give back x.
//  - `out` starts as a copy of the current value, so partial updates are possible (Redis's
//    `CONFIG SET client-output-buffer-limit "pubsub 32mb 8mb 60"` only changes pubsub); parsers
//    that replace the whole value clear it first.
//  - parse_toml (optional): from the TOML value, for tables like `[[users]]`. When empty, the
//    TOML value is flattened with tokensFromToml() and handed to `parse`.
//  - parse_text (optional): takes the command-line / CONFIG SET text whole instead, for values
//    Redis does not split with sdssplitargs (latency-tracking-info-percentiles splits on each
//    single space, so "50  99" is an error there).
//  - hint: what --help shows as the value syntax.
template <class T>
struct Codec {
  std::function<Status(const std::vector<std::string>& tokens, T& out)> parse = nullptr;
  std::function<Status(std::string_view text, T& out)> parse_text = nullptr;
  std::function<std::string(const T& value)> render = nullptr;
  std::function<Status(const toml::value& value, T& out)> parse_toml = nullptr;
  std::string hint = {};
};

// The type-independent part of a schema: the ordered options and a case-insensitive index.
class SchemaBase {
 public:
  const std::vector<Option>& options() const { return options_; }
  // Case-insensitive exact lookup (Redis config names are case-insensitive) of a name or an
  // alias; null if unknown.
  const Option* find(std::string_view name) const;
  // Every alias with the position in options() of the option it names, in declaration order.
  const std::vector<std::pair<std::string, size_t>>& aliases() const { return aliases_; }

  // Resets every bound field to its default.
  void applyDefaultsTo(void* settings) const;

 protected:
  // Validates the name (lowercase kebab-case, unique) and appends; aborts on a bad declaration.
  void add(Option option);
  // Declares `alias` as a second name of the declared option `canonical`.
  void addAlias(std::string alias, std::string_view canonical);
  // Aborts with "config schema: <message>".
  [[noreturn]] static void declarationError(const std::string& message);
  // Aborts unless [range] fits the field type [lo, hi] and contains the default.
  static void checkBounds(const std::string& name, Range range, int64_t def, bool fits);

 private:
  static void checkName(const std::string& name);

  std::vector<Option> options_;
  std::unordered_map<std::string, size_t> index_;  // names and aliases -> options_ position
  std::vector<std::pair<std::string, size_t>> aliases_;
};

template <class S>
class Schema : public SchemaBase {
 public:
  using Settings = S;

  // Sets every bound field of `settings` to its declared default.
  void applyDefaults(S& settings) const { applyDefaultsTo(&settings); }
  S defaults() const {
    S s{};
    applyDefaults(s);
    return s;
  }

  // A second name for an option declared before, as Redis 7.0's renamed options keep their old
  // names (`slaveof` for `replicaof`, `hash-max-ziplist-entries` for
  // `hash-max-listpack-entries`): accepted wherever the name is (file, command line, CONFIG
  // GET/SET), and listed under its own name too by CONFIG GET patterns, as Redis lists both.
  Schema& alias(std::string name, std::string_view of) {
    addAlias(std::move(name), of);
    return *this;
  }

  Schema& boolean(std::string name, bool S::*field, bool def, Mutability mutability,
                  std::string help) {
    Option o = base(std::move(name), OptionType::kBool, mutability, std::move(help), "yes|no");
    o.default_text = renderBool(def);
    o.parse_text = [field](void* s, std::string_view text) {
      return parseBool(text, self(s).*field);
    };
    o.parse_toml = [field](void* s, const toml::value& v) {
      return boolFromToml(v, self(s).*field);
    };
    o.render = [field](const void* s) { return renderBool(self(s).*field); };
    finish(o, field, def);
    return *this;
  }

  template <std::integral I>
  requires(!std::same_as<I, bool>) Schema& integer(std::string name, I S::*field,
                                                   std::type_identity_t<I> def, Range range,
                                                   Mutability mutability, std::string help) {
    return numeric(std::move(name), OptionType::kInteger, field, def, range, mutability,
                   std::move(help), "integer " + describeRange(range));
  }

  // Like integer(), but values may carry Redis memory units ("512mb"); renders as bytes.
  template <std::integral I>
  requires(!std::same_as<I, bool>) Schema& memory(std::string name, I S::*field,
                                                  std::type_identity_t<I> def, Range range,
                                                  Mutability mutability, std::string help) {
    return numeric(std::move(name), OptionType::kMemory, field, def, range, mutability,
                   std::move(help), "memory " + describeRange(range) + " (bytes or 512mb, 1gb...)");
  }

  // `check` (optional) refuses values from every source, e.g. Redis's "appendfilename can't be a
  // path, just a filename"; its message is the whole reason.
  Schema& string(std::string name, std::string S::*field, std::string def, Mutability mutability,
                 std::string help, std::function<Status(std::string_view)> check = nullptr) {
    Option o = base(std::move(name), OptionType::kString, mutability, std::move(help), "string");
    o.default_text = def;
    o.parse_text = [field, check](void* s, std::string_view text) {
      if (check) {
        Status st = check(text);
        if (!st.isOk()) return st;
      }
      self(s).*field = std::string(text);
      return Status::ok();
    };
    o.parse_toml = [field, check](void* s, const toml::value& v) {
      std::string value;
      Status st = stringFromToml(v, value);
      if (st.isOk() && check) {
        st = check(value);
        if (!st.isOk()) st = Status::error(st.message(), tomlLine(v));
      }
      if (st.isOk()) self(s).*field = std::move(value);
      return st;
    };
    o.render = [field](const void* s) { return self(s).*field; };
    finish(o, field, std::move(def));
    return *this;
  }

  // Enum bound to a std::string field holding the canonical (declared) spelling of the choice.
  Schema& enumeration(std::string name, std::string S::*field, std::vector<std::string> choices,
                      std::string def, Mutability mutability, std::string help) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (std::string& c : choices) pairs.emplace_back(c, c);
    return enumeration<std::string>(std::move(name), field, std::move(pairs), std::move(def),
                                    mutability, std::move(help));
  }

  // Enum bound to a field of any equality-comparable type E (typically an enum class):
  //   .enumeration("loglevel", &S::level, {{"debug", Level::kDebug}, ...}, Level::kNotice, ...)
  template <class E>
  Schema& enumeration(std::string name, E S::*field,
                      std::vector<std::pair<std::string, std::type_identity_t<E>>> choices,
                      std::type_identity_t<E> def, Mutability mutability, std::string help) {
    auto names = std::make_shared<std::vector<std::string>>();
    auto values = std::make_shared<std::vector<E>>();
    for (auto& [choice_name, value] : choices) {
      names->push_back(choice_name);
      values->push_back(std::move(value));
    }
    Option o =
        base(std::move(name), OptionType::kEnum, mutability, std::move(help), joinChoices(*names));
    o.choices = *names;
    auto render_value = [names, values](const E& value) {
      for (size_t i = 0; i < values->size(); ++i) {
        if ((*values)[i] == value) return (*names)[i];
      }
      return std::string();
    };
    o.default_text = render_value(def);
    if (o.default_text.empty()) declarationError("'" + o.name + "': default is not a choice");
    o.parse_text = [field, names, values](void* s, std::string_view text) {
      size_t index = 0;
      Status st = parseEnum(text, *names, index);
      if (st.isOk()) self(s).*field = (*values)[index];
      return st;
    };
    o.parse_toml = [field, names, values](void* s, const toml::value& v) {
      size_t index = 0;
      Status st = enumFromToml(v, *names, index);
      if (st.isOk()) self(s).*field = (*values)[index];
      return st;
    };
    o.render = [field, render_value](const void* s) { return render_value(self(s).*field); };
    finish(o, field, std::move(def));
    return *this;
  }

  // TOML: array of strings; command line / CONFIG SET: comma- and/or space-separated.
  Schema& stringList(std::string name, std::vector<std::string> S::*field,
                     std::vector<std::string> def, Mutability mutability, std::string help) {
    Option o = base(std::move(name), OptionType::kStringList, mutability, std::move(help),
                    "list (a,b,... or TOML array)");
    o.default_text = renderList(def);
    o.parse_text = [field](void* s, std::string_view text) {
      self(s).*field = splitList(text);
      return Status::ok();
    };
    o.parse_toml = [field](void* s, const toml::value& v) {
      return stringListFromToml(v, self(s).*field);
    };
    o.render = [field](const void* s) { return renderList(self(s).*field); };
    finish(o, field, std::move(def));
    return *this;
  }

  // A custom type T with its own parse / render functions (see Codec). T must be copyable:
  // parsing works on a copy of the current value and assigns it back only on success.
  template <class T>
  Schema& custom(std::string name, T S::*field, std::type_identity_t<T> def, Codec<T> codec,
                 Mutability mutability, std::string help) {
    if (!codec.parse || !codec.render) declarationError("'" + name + "': codec needs parse/render");
    auto c = std::make_shared<Codec<T>>(std::move(codec));
    Option o = base(std::move(name), OptionType::kCustom, mutability, std::move(help),
                    c->hint.empty() ? "custom" : c->hint);
    o.default_text = c->render(def);
    o.parse_text = [field, c](void* s, std::string_view text) {
      T value = self(s).*field;
      Status st;
      if (c->parse_text) {
        st = c->parse_text(text, value);
        if (st.isOk()) self(s).*field = std::move(value);
        return st;
      }
      std::vector<std::string> tokens;
      st = splitArgs(text, tokens);
      if (!st.isOk()) return st;
      st = c->parse(tokens, value);
      if (st.isOk()) self(s).*field = std::move(value);
      return st;
    };
    o.parse_toml = [field, c](void* s, const toml::value& v) {
      T value = self(s).*field;
      Status st;
      if (c->parse_toml) {
        st = c->parse_toml(v, value);
      } else {
        std::vector<std::string> tokens;
        st = tokensFromToml(v, tokens);
        if (st.isOk()) st = c->parse(tokens, value);
        if (!st.isOk() && st.line() == 0) st = Status::error(st.message(), tomlLine(v));
      }
      if (st.isOk()) self(s).*field = std::move(value);
      return st;
    };
    o.render = [field, c](const void* s) { return c->render(self(s).*field); };
    finish(o, field, std::move(def));
    return *this;
  }

 private:
  static S& self(void* s) { return *static_cast<S*>(s); }
  static const S& self(const void* s) { return *static_cast<const S*>(s); }

  static Option base(std::string name, OptionType type, Mutability mutability, std::string help,
                     std::string hint) {
    Option o;
    o.name = std::move(name);
    o.type = type;
    o.mutability = mutability;
    o.help = std::move(help);
    o.value_hint = std::move(hint);
    return o;
  }

  template <class T>
  void finish(Option& o, T S::*field, T def) {
    o.set_default = [field, def = std::move(def)](void* s) { self(s).*field = def; };
    o.copy = [field](void* dst, const void* src) { self(dst).*field = self(src).*field; };
    if constexpr (std::equality_comparable<T>) {
      o.equal = [field](const void* a, const void* b) { return self(a).*field == self(b).*field; };
    } else {
      o.equal = [render = o.render](const void* a, const void* b) {
        return render(a) == render(b);
      };
    }
    add(std::move(o));
  }

  template <class I>
  Schema& numeric(std::string name, OptionType type, I S::*field, I def, Range range,
                  Mutability mutability, std::string help, std::string hint) {
    const bool fits = std::cmp_greater_equal(range.min, std::numeric_limits<I>::min()) &&
                      std::cmp_less_equal(range.max, std::numeric_limits<I>::max());
    // A default that does not fit int64 is necessarily out of any Range.
    const int64_t def64 = std::in_range<int64_t>(def) ? static_cast<int64_t>(def) : range.max;
    checkBounds(name, range, def64, fits && std::in_range<int64_t>(def));
    Option o = base(std::move(name), type, mutability, std::move(help), std::move(hint));
    o.default_text = std::to_string(def);
    o.range = range;
    const bool is_memory = type == OptionType::kMemory;
    if constexpr (std::same_as<I, uint64_t>) {
      // Redis's maxmemory: 0 .. 2^64-1 (range.max kNoMax means no upper bound here).
      if (!is_memory)
        declarationError("'" + o.name + "': a uint64_t field must be a memory option");
      o.unsigned64 = true;
      o.parse_text = [field, range](void* s, std::string_view text) {
        return parseMemoryU64(text, range, self(s).*field);
      };
      o.parse_toml = [field, range](void* s, const toml::value& value) {
        return memoryU64FromToml(value, range, self(s).*field);
      };
    } else {
      o.parse_text = [field, range, is_memory](void* s, std::string_view text) {
        int64_t v = 0;
        Status st = is_memory ? parseMemory(text, range, v) : parseInteger(text, range, v);
        if (st.isOk()) self(s).*field = static_cast<I>(v);
        return st;
      };
      o.parse_toml = [field, range, is_memory](void* s, const toml::value& value) {
        int64_t v = 0;
        Status st = is_memory ? memoryFromToml(value, range, v) : integerFromToml(value, range, v);
        if (st.isOk()) self(s).*field = static_cast<I>(v);
        return st;
      };
    }
    o.render = [field](const void* s) { return std::to_string(self(s).*field); };
    finish(o, field, def);
    return *this;
  }
};

}  // namespace strata::config
