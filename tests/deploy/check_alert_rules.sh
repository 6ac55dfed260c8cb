#!/bin/sh
# CTest deploy.alert_rules: the alert rules parse (promtool check rules) and behave as their unit
# tests say (promtool test rules). Usage: check_alert_rules.sh <promtool> <dashboards/alerts dir>
set -eu
promtool=$1
dir=$2
cd "$dir"
"$promtool" check rules ./*.rules.yml
"$promtool" test rules ./*.rules.test.yml
