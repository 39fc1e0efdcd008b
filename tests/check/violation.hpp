// Runs `f` and returns the violation it raised, or nullopt: lets a detector test say which
// finding it expects, not just that some check threw.
#pragma once

#include "sim/violation.hpp"

#include <gtest/gtest.h>
#include <optional>
#include <string>

namespace checktest {

template <class F>
std::optional<sim::Violation> violation_of(F&& f)
{
	try {
		f();
	} catch (const sim::ViolationError& e) {
		return e.violation;
	}
	return std::nullopt;
}

// The check fired with the invariant finding the test is about, not just any violation.
template <class F>
void expect_violation(F&& f, const std::string& part)
{
	std::optional<sim::Violation> v = violation_of(f);
	ASSERT_TRUE(v.has_value()) << "no violation; expected one saying: " << part;
	EXPECT_EQ(v->kind, sim::ViolationKind::invariant) << v->message;
	EXPECT_NE(v->message.find(part), std::string::npos) << v->message;
}

} // namespace checktest
