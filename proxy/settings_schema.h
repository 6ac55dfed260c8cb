// The proxy's option table: every ProxySettings field with its name, type, default, bounds,
// reloadability and help text, in one place (settings_schema.cpp). The same table loads the TOML
// file, applies command-line overrides, prints --help and re-reads the file on SIGHUP.
#pragma once

#include "common/config/schema.h"
#include "proxy/settings.h"

namespace strata::proxy {

const config::Schema<ProxySettings>& proxySchema();

}  // namespace strata::proxy
