// A hand-built RunReport for summary and JSON tests.
#pragma once

#include "report/summary.hpp"
#include "report/trace_builder.hpp"

namespace test_support {

inline report::RunReport lost_update_report()
{
	report::RunReport r;
	r.target = "demo:lost-update";
	r.name = "lost-update";
	r.expectation = "exists violation assertion";
	r.ok = true;
	r.strategy = "pct";
	r.seed = 1;
	r.result.schedules = 40;
	r.result.steps = 160;
	r.result.seconds = 0.5;
	r.result.outcomes = {{"counter=2", 39}};
	r.result.violations = {{"assertion", 1}};
	r.result.schedules_with_violation = 1;
	r.result.first = explore::Found{*lost_update_trace().violation, {}, 40};
	r.token = "s1.TOKEN";
	return r;
}

} // namespace test_support
