// lockdep: lock classes, a global acquisition-order graph kept across every schedule of an
// exploration, and a report the first time both orders of two classes have been seen, even if
// no schedule deadlocked. Trylocks add no ordering (they cannot deadlock).
#pragma once

#include "sim/lock_class.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace sim {

class Engine;
struct Task;
struct HeldLock;

class Lockdep {
public:
	// Forgets the graph: a new exploration starts.
	void reset();
	// Before a blocking acquisition of `l` by `t`: raises recursive-locking, irq-unsafe-lock
	// or lock-order-inversion through `e` (which stops the schedule).
	// Returns the (class, subclass) id of `l`, for the HeldLock (-1 if `l` has no class).
	int check_acquire(Engine& e, const Task& t, const LockBase& l, int subclass,
			  const LockBase* nest);
	// Number of distinct (class, subclass) pairs and order edges seen so far.
	std::size_t nclasses() const { return names_.size(); }
	std::size_t nedges() const { return evidence_.size(); }
	// Schedule number stamped on evidence ("first seen in schedule #n").
	void set_schedule(std::uint64_t n) { schedule_ = n; }

private:
	// Raises lock-order if `l`'s class is documented outside the held lock's class.
	void check_documented(Engine& e, const Task& t, const HeldLock& h, const LockBase& l);
	int class_id(const LockClass* c, int subclass);
	bool has_edge(int a, int b) const { return adj_[idx(a, b)] != 0; }
	bool reaches(int from, int to) const;
	std::size_t idx(int a, int b) const
	{
		return static_cast<std::size_t>(a) * cap_ + static_cast<std::size_t>(b);
	}
	void grow();

	std::unordered_map<std::uintptr_t, int> ids_;
	std::vector<std::string> names_;
	std::size_t cap_ = 0;
	std::vector<std::uint8_t> adj_;                 // cap_ x cap_ adjacency matrix
	std::unordered_map<std::uint64_t, std::string> evidence_; // edge -> how it was first seen
	std::uint64_t schedule_ = 0;
};

} // namespace sim
