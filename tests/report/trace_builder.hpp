// Hand-built traces for report tests: no engine, just the values a replay would record.
#pragma once

#include "sim/trace.hpp"

#include <string>
#include <vector>

namespace test_support {

inline sim::TraceStep step(std::uint64_t n, int task, sim::Op op, std::string object,
                           std::vector<const char*> frames = {}, bool preempted = false)
{
	sim::TraceStep s;
	s.step = n;
	s.task = task;
	s.op = op;
	s.object = std::move(object);
	s.frames = std::move(frames);
	s.preempted = preempted;
	s.choice = preempted;
	return s;
}

inline sim::TraceStep with_result(sim::TraceStep s, std::int64_t r)
{
	s.result = r;
	s.has_result = true;
	return s;
}

// The lost update: both tasks read 0, both write 1.
inline sim::Trace lost_update_trace()
{
	sim::Trace t;
	t.task_names = {"P0", "P1"};
	t.steps = {
	    with_result(step(1, 0, sim::Op::load, "counter", {"counter_inc"}), 0),
	    with_result(step(2, 1, sim::Op::load, "counter", {"counter_inc"}, true), 0),
	    with_result(step(3, 0, sim::Op::store, "counter", {"counter_inc"}, true), 1),
	    with_result(step(4, 1, sim::Op::store, "counter", {"counter_inc"}), 1),
	};
	sim::Violation v;
	v.kind = sim::ViolationKind::assertion;
	v.task = -1;
	v.step = 4;
	v.message = "lost update: counter is 1, expected 2";
	v.detail = {"a store overwrote the other task's increment"};
	v.frames = {"check_counter"};
	t.violation = v;
	return t;
}

} // namespace test_support
