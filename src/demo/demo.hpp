// The substrate's demo programs: small races that `mmcheck run demo:NAME` explores until the
// mm model and its scenarios exist. Each one shows one detector or one primitive's semantics,
// with what the run must find (or must not).
#pragma once

#include "explore/explorer.hpp"
#include "explore/program.hpp"
#include "sim/violation.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace demo {

// What exploring a demo must show: no violation at all, or at least one violation, each of
// one of `kinds` (another kind is a different bug and fails the expectation).
struct Expectation {
	bool violation = false;
	std::vector<sim::ViolationKind> kinds; // with violation: the acceptable kinds

	// "forbid violation" or "exists violation deadlock|lock-order-inversion".
	std::string describe() const;
	// True if `r` shows what is expected.
	bool holds(const explore::ExploreResult& r) const;
};

struct Demo {
	std::string name;        // "lost-update"; the target is "demo:lost-update"
	std::string description; // one line
	std::function<std::unique_ptr<explore::Program>()> make;
	Expectation expect;
};

// Every demo, in the order `mmcheck list` prints them.
const std::vector<Demo>& demos();
// The demo called `name`, or nullptr.
const Demo* find_demo(std::string_view name);

} // namespace demo
