// The explorer loop: finding a race with each strategy, staying quiet on the fixed code,
// counting, stopping, and always tearing the world down.
#include "explore/test_programs.hpp"

#include <gtest/gtest.h>

namespace explore::testing {
namespace {

class EachStrategy : public ::testing::TestWithParam<const char*> {};

// The READ_ONCE/WRITE_ONCE increment loses an update; every strategy finds it.
TEST_P(EachStrategy, FindsLostUpdateOnLoadStoreCounter)
{
	Counter p(false);
	ExploreOptions o;
	o.strategy = GetParam();
	o.preemption_bound = 1;
	o.max_schedules = 1000;
	Explorer ex(o);
	const ExploreResult r = ex.explore(p);
	ASSERT_TRUE(r.first.has_value());
	EXPECT_EQ(r.first->violation.kind, sim::ViolationKind::assertion);
	EXPECT_EQ(r.first->violation.message, "lost update: counter is 1");
	EXPECT_EQ(r.first->schedule_index, r.schedules); // stopped at the first violation
	EXPECT_FALSE(r.first->schedule.decisions.empty());
	EXPECT_EQ(r.violations.at("assertion"), 1u);
}

INSTANTIATE_TEST_SUITE_P(Explorer, EachStrategy, ::testing::Values("random", "pct", "dfs"),
                         [](const auto& param_info) { return std::string(param_info.param); });

// fetch_add is one indivisible step: no interleaving loses an update.
TEST(Explorer, FetchAddCounterIsCleanExhaustively)
{
	Counter p(true);
	Explorer ex(dfs_options(-1));
	const ExploreResult r = ex.explore(p);
	EXPECT_TRUE(r.exhausted);
	EXPECT_EQ(r.schedules, 2u);
	EXPECT_FALSE(r.first.has_value());
	EXPECT_EQ(r.schedules_with_violation, 0u);
	ASSERT_EQ(r.outcomes.size(), 1u);
	EXPECT_EQ(r.outcomes.at("2"), 2u);
}

// Asked to go on, the explorer counts every violating schedule; outcomes count clean ones.
// Of the C(4,2) = 6 orders of two load+store pairs, 4 have both loads before either store.
TEST(Explorer, CountsEveryViolatingScheduleWhenNotStopping)
{
	Counter p(false);
	ExploreOptions o = dfs_options(-1);
	o.stop_on_violation = false;
	Explorer ex(o);
	const ExploreResult r = ex.explore(p);
	EXPECT_TRUE(r.exhausted);
	EXPECT_EQ(r.schedules, 6u);
	EXPECT_EQ(r.schedules_with_violation, 4u);
	EXPECT_EQ(r.violations.at("assertion"), 4u);
	EXPECT_EQ(r.outcomes.at("2"), 2u);
	ASSERT_TRUE(r.first.has_value());
	EXPECT_LE(r.first->schedule_index, 6u);
}

// teardown() follows every setup(), also when the schedule ended in a violation.
TEST(Explorer, TearsDownAfterEveryScheduleIncludingViolations)
{
	Counter p(false);
	ExploreOptions o = dfs_options(-1);
	o.stop_on_violation = false;
	Explorer ex(o);
	const ExploreResult r = ex.explore(p);
	EXPECT_EQ(p.setups, 6);
	EXPECT_EQ(p.teardowns, 6);

	Counter q(false);
	Explorer first(dfs_options(-1));
	const ExploreResult rq = first.explore(q);
	ASSERT_TRUE(rq.first.has_value());
	EXPECT_EQ(q.teardowns, static_cast<int>(rq.schedules));
	EXPECT_EQ(q.teardowns, q.setups);
	(void)r;
}

// A violation raised by a task (not by check()) stops the schedule and is reported with
// the task that raised it.
TEST(Explorer, ReportsViolationRaisedInsideATask)
{
	class Raiser : public Program {
	public:
		std::string name() const override { return "raiser"; }
		int num_tasks() const override { return 2; }
		void setup() override { flag_.init(0); }
		void run(int i) override
		{
			if (i == 0) {
				flag_.store(1);
			} else if (flag_.load() == 1) {
				sim::raise(sim::ViolationKind::invariant, "saw the flag");
			}
		}

	private:
		sim::Atomic<int> flag_;
	} p;
	Explorer ex(dfs_options(-1));
	const ExploreResult r = ex.explore(p);
	ASSERT_TRUE(r.first.has_value());
	EXPECT_EQ(r.first->violation.kind, sim::ViolationKind::invariant);
	EXPECT_EQ(r.first->violation.task, 1);
	EXPECT_EQ(r.violations.at("invariant"), 1u);
}

// max_schedules caps a strategy that never runs out.
TEST(Explorer, StopsAtMaxSchedules)
{
	Counter p(true);
	ExploreOptions o;
	o.strategy = "random";
	o.max_schedules = 7;
	Explorer ex(o);
	const ExploreResult r = ex.explore(p);
	EXPECT_EQ(r.schedules, 7u);
	EXPECT_FALSE(r.exhausted);
	EXPECT_GT(r.steps, 0u);
}

// max_seconds ends an otherwise unbounded exploration close to the deadline.
TEST(Explorer, StopsAtMaxSeconds)
{
	Counter p(true);
	ExploreOptions o;
	o.strategy = "random";
	o.max_schedules = 0;
	o.max_seconds = 0.2;
	Explorer ex(o);
	const ExploreResult r = ex.explore(p);
	EXPECT_GE(r.seconds, 0.2);
	EXPECT_LT(r.seconds, 10.0);
	EXPECT_GT(r.schedules, 1u);
}

// Steps are summed over schedules: 2 tasks x (3 padding stores + 1 rmw) each.
TEST(Explorer, CountsSteps)
{
	Counter p(true, 3);
	ExploreOptions o;
	o.strategy = "random";
	o.max_schedules = 5;
	Explorer ex(o);
	const ExploreResult r = ex.explore(p);
	EXPECT_EQ(r.steps, 5u * 8u);
}

// The key depends on the name and the task count, and never on the build: tokens saved
// today must replay tomorrow.
TEST(Explorer, ProgramKeyIsStableAndTellsProgramsApart)
{
	const Counter racy(false), atomic(true);
	EXPECT_EQ(Explorer::program_key(racy), Explorer::program_key(Counter(false, 3)));
	EXPECT_NE(Explorer::program_key(racy), Explorer::program_key(atomic));
	EXPECT_NE(Explorer::program_key(IndependentStores(1)),
	          Explorer::program_key(IndependentStores(2)));
	EXPECT_EQ(Explorer::program_key(racy), 0x0c5f94bbu);
}

} // namespace
} // namespace explore::testing

namespace {

// outcome() reads the world, which teardown() destroys: the explorer must ask before teardown.
class WorldOutcome final : public explore::Program {
public:
	std::string name() const override { return "world-outcome"; }
	int num_tasks() const override { return 2; }
	void setup() override { w_ = std::make_unique<sim::Atomic<int>>(0); }
	void run(int) override { w_->store(w_->load() + 1); }
	void teardown() override { w_.reset(); }
	std::string outcome() const override
	{
		return w_ ? "c=" + std::to_string(w_->peek()) : "";
	}

private:
	std::unique_ptr<sim::Atomic<int>> w_;
};

TEST(Explorer, OutcomeIsReadBeforeTeardown)
{
	explore::ExploreOptions opt;
	opt.preemption_bound = -1;
	opt.max_schedules = 0;
	explore::Explorer ex(opt);
	WorldOutcome p;
	auto dfs = explore::make_dfs(-1);
	auto r = ex.explore(p, *dfs);
	EXPECT_EQ(r.outcomes.size(), 2u);
	EXPECT_EQ(r.outcomes.count("c=1"), 1u);
	EXPECT_EQ(r.outcomes.count("c=2"), 1u);
}

} // namespace

namespace {

// IndependentStores with a condition on the final order: task 0 finished first.
class FirstFinisher : public explore::testing::IndependentStores {
public:
	FirstFinisher() : IndependentStores(2) {}
	std::optional<bool> witness() const override
	{
		std::string o = outcome();
		return !o.empty() && o.back() == '1'; // task 1 ran last
	}
};

} // namespace

// Herd's witnesses: the explorer counts clean schedules whose final state satisfies the
// program's condition and those whose does not; together they are every clean schedule.
TEST(Explorer, CountsPositiveAndNegativeWitnesses)
{
	explore::ExploreOptions o;
	o.strategy = "dfs";
	o.max_schedules = 0;
	o.preemption_bound = -1;
	explore::Explorer ex(o);
	FirstFinisher p;
	auto r = ex.explore(p);
	ASSERT_TRUE(r.exhausted);
	EXPECT_EQ(r.schedules, explore::testing::binomial(4, 2));
	EXPECT_EQ(r.witnesses_positive, 3u); // orders 0011, 0101, 1001
	EXPECT_EQ(r.witnesses_negative, 3u);
}

// A program without a condition has no witnesses at all.
TEST(Explorer, ProgramWithoutConditionHasNoWitnesses)
{
	explore::ExploreOptions o;
	o.strategy = "dfs";
	o.max_schedules = 0;
	explore::Explorer ex(o);
	explore::testing::IndependentStores p(2);
	auto r = ex.explore(p);
	EXPECT_EQ(r.witnesses_positive + r.witnesses_negative, 0u);
}

namespace {

class Variant : public explore::testing::IndependentStores {
public:
	explicit Variant(std::string v) : IndependentStores(1), v_(std::move(v)) {}
	std::string variant() const override { return v_; }

private:
	std::string v_;
};

} // namespace

// A program's variant (e.g. its fix switches) is part of its replay key; an empty variant
// leaves the key as the name and task count make it.
TEST(Explorer, ProgramKeyIncludesTheVariant)
{
	explore::testing::IndependentStores plain(1);
	EXPECT_EQ(explore::Explorer::program_key(Variant("")), explore::Explorer::program_key(plain));
	EXPECT_NE(explore::Explorer::program_key(Variant("x=on;")), explore::Explorer::program_key(plain));
	EXPECT_NE(explore::Explorer::program_key(Variant("x=on;")),
		  explore::Explorer::program_key(Variant("x=off;")));
}
