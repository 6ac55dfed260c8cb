// hz clamping (see config_apply.h).
#include "node/server/config_apply.h"

#include <algorithm>

namespace strata::node {

void clampHz(NodeSettings& settings) {
  settings.hz = std::clamp(settings.hz, 1, 500);
}

}  // namespace strata::node
