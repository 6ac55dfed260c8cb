// One INFO line, "name:value\r\n", for the sections built outside server_cmds.cpp (persistence's
// aof_* and rdb_* fields). Integers are printed in decimal, strings as they are.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

namespace strata::node {

template <typename T>
void appendInfoField(std::string& out, std::string_view name, const T& value) {
  out.append(name);
  out.push_back(':');
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    out.append(std::string_view(value));
  } else {
    out.append(std::to_string(value));
  }
  out.append("\r\n");
}

}  // namespace strata::node
