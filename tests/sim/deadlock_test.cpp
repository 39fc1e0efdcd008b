// Deadlock detection: all live tasks blocked, reported with the wait-for cycle.
#include "harness.hpp"

#include <gtest/gtest.h>

using simtest::World;

namespace {

constexpr sim::LockClass lock_a{"lock_a"};
constexpr sim::LockClass lock_b{"lock_b"};

// ABBA on two spinlocks deadlocks in some schedule; the report names both tasks, both locks and
// who holds what.
TEST(Deadlock, AbbaIsFoundAndPrintsTheCycle)
{
	sim::SpinLock a{&lock_a}, b{&lock_b};
	World w;
	w.opt.lockdep = false; // lockdep would report the inversion before the deadlock happens
	w.setup = [&] { a.owner = b.owner = -1; };
	w.tasks = {[&] {
			   MM_FRAME("task_ab");
			   a.lock();
			   b.lock();
			   b.unlock();
			   a.unlock();
		   },
		   [&] {
			   MM_FRAME("task_ba");
			   b.lock();
			   a.lock();
			   a.unlock();
			   b.unlock();
		   }};
	auto r = simtest::explore_all(w);
	ASSERT_TRUE(r.found(sim::ViolationKind::deadlock));
	sim::Violation d;
	for (const auto& v : r.violations)
		if (v.kind == sim::ViolationKind::deadlock)
			d = v;
	EXPECT_NE(d.message.find("P0"), std::string::npos) << d.message;
	EXPECT_NE(d.message.find("P1"), std::string::npos) << d.message;
	ASSERT_EQ(d.detail.size(), 2u);
	std::string all = d.detail[0] + "\n" + d.detail[1];
	EXPECT_NE(all.find("spin_lock(lock_b), held by P1 (taken in task_ba)"), std::string::npos) << all;
	EXPECT_NE(all.find("spin_lock(lock_a), held by P0 (taken in task_ab)"), std::string::npos) << all;
}

// The same program with one lock order never deadlocks (and lockdep stays quiet).
TEST(Deadlock, ConsistentOrderIsClean)
{
	sim::SpinLock a{&lock_a}, b{&lock_b};
	World w;
	w.setup = [&] { a.owner = b.owner = -1; };
	auto ab = [&] {
		a.lock();
		b.lock();
		b.unlock();
		a.unlock();
	};
	w.tasks = {ab, ab};
	auto r = simtest::explore_all(w);
	EXPECT_TRUE(r.violations.empty()) << r.first()->message;
	EXPECT_GT(r.schedules, 1u);
}

// Writer preference: once a writer waits, new readers queue behind it, so a task taking the
// read side twice deadlocks against a writer in some schedule, as in Linux. (Class-less here,
// so that lockdep's recursive-locking report does not come first.)
TEST(Deadlock, RecursiveReadBehindAWaitingWriterDeadlocks)
{
	sim::RwSem s{nullptr};
	World w;
	w.setup = [&] {
		s.owner = -1;
		s.readers = 0;
	};
	w.tasks = {[&] {
			   s.down_read();
			   s.down_read();
			   s.up_read();
			   s.up_read();
		   },
		   [&] {
			   s.down_write();
			   s.up_write();
		   }};
	auto r = simtest::explore_all(w);
	EXPECT_TRUE(r.found(sim::ViolationKind::deadlock));
	EXPECT_LT(r.violations.size(), r.schedules); // other schedules complete
}

// Sequential use of the model (no engine): taking a held lock is a self-deadlock finding.
TEST(Deadlock, SequentialSelfDeadlockThrows)
{
	sim::Mutex m{&lock_a};
	m.lock();
	EXPECT_THROW(m.lock(), sim::ViolationError);
	m.unlock();
}

} // namespace
