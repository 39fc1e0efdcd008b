// Memory failure (issue #8): the seed-004 races (soft offline of free huge pages vs hugetlb
// faults, Naoya Horiguchi and Michal Hocko, 2018) found by the explorer with the fix off and
// absent with it on, also exhaustively at preemption bound 2; Michal Hocko's replacement;
// soft offline of pages in use (hugetlb migration keeps the data); hard offline (who gets
// SIGBUS, the counters afterwards).
#include "hugetlb_harness.hpp"
#include "memory_failure_seeds.hpp"

#include "check/memory_failure_check.hpp"

namespace {

using namespace mmtest;

constexpr int RW_ = mm::PROT_READ | mm::PROT_WRITE;

bool poisoned(check::World& w, mm::pfn_t pfn)
{
	return mm::folio_test(w.kernel().phys().pfn_to_page(pfn), mm::PG_hwpoison);
}

// P0: A soft offlines the page at addr (len bytes) by madvise; P1: `writer`. Over 2000 PCT
// schedules nothing may be reported, and some offlines must succeed.
void expect_invisible_soft_offline(MmSpec s, unsigned long addr, unsigned long len, Body writer)
{
	s.cpus.push_back([addr, len](check::World& w, Ctx& c) {
		c.results["r0"] = w.madvise(c.proc("A"), addr, len, mm::MADV_SOFT_OFFLINE);
	});
	s.cpus.push_back(std::move(writer));
	s.outcome_fn = [](check::World&, Ctx& c) { return std::to_string(c.results["r0"]); };
	MmProgram p(s);
	auto r = run_explorer(p, "pct", 2000);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_GT(r.outcomes["0"], 0u) << "some migrations succeed";
}

// ---- flow 1: the just-allocated page ----

TEST(Seed004, JustAllocatedPageGetsPoisonedAndItsNextMapperSigbusWithTheFixOff)
{
	MmProgram p(seed004_killed("seed004-killed-fix-off", {}, {"soft_offline_free_hugetlb"}));
	auto r = run_explorer(p, "dfs", 0, 2);
	ASSERT_TRUE(r.first.has_value()) << r.schedules << " schedules";
	EXPECT_EQ(r.first->violation.kind, sim::ViolationKind::invariant) << describe_first(r);
	EXPECT_NE(r.first->violation.message.find("got SIGBUS"), std::string::npos) << describe_first(r);
	EXPECT_NE(r.first->violation.message.find("only a soft offline"), std::string::npos);
	auto frames = frames_by_cpu(p, r);
	EXPECT_TRUE(ran(frames, 0, "soft_offline_page"));
	EXPECT_TRUE(ran(frames, 0, "get_any_page"));
	EXPECT_TRUE(ran(frames, 0, "dissolve_free_hugetlb_folio"));
	EXPECT_TRUE(ran(frames, 1, "alloc_hugetlb_folio"));
	EXPECT_TRUE(ran(frames, 2, "hugetlb_no_page"));
}

TEST(Seed004, JustAllocatedPageIsFoundByPctWithTheFixOff)
{
	MmProgram p(seed004_killed("seed004-killed-fix-off", {}, {"soft_offline_free_hugetlb"}));
	auto r = run_explorer(p, "pct", 5000);
	ASSERT_TRUE(r.first.has_value()) << r.schedules << " schedules";
	EXPECT_EQ(r.first->violation.kind, sim::ViolationKind::invariant) << describe_first(r);
}

TEST(Seed004, JustAllocatedPageIsNeverKilledWithTheFixExhaustivelyAtBound2)
{
	MmProgram p(seed004_killed("seed004-killed", {}));
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.exhausted) << r.schedules << " schedules";
}

// ---- flow 2: the reserved fault ----

TEST(Seed004, ReservedFaultFailsWithTheFixOff)
{
	MmProgram p(seed004_reserved("seed004-reserved-fix-off", {}, {"soft_offline_free_hugetlb"}));
	auto r = run_explorer(p, "dfs", 0, 2);
	ASSERT_TRUE(r.first.has_value()) << r.schedules << " schedules";
	EXPECT_EQ(r.first->violation.kind, sim::ViolationKind::invariant) << describe_first(r);
	const std::string& m = r.first->violation.message;
	EXPECT_TRUE(m.find("reservation covers it") != std::string::npos ||
		    m.find("usable free pages") != std::string::npos)
		<< describe_first(r);
	auto frames = frames_by_cpu(p, r);
	EXPECT_TRUE(ran(frames, 0, "soft_offline_free_page"));
	EXPECT_TRUE(ran(frames, 0, "dissolve_free_hugetlb_folio"));
}

TEST(Seed004, ReservedFaultNeverFailsWithTheFixExhaustivelyAtBound2)
{
	MmProgram p(seed004_reserved("seed004-reserved", {}));
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.exhausted) << r.schedules << " schedules";
}

// The check itself: a poisoned free page that a reservation counts on is reported at once.
TEST(Seed004, PoisonedFreePageUnderAReservationIsReportedAtTheNextQuiescentPoint)
{
	MmProgram p(seed004_reserved("seed004-reserved-fix-off", {}, {"soft_offline_free_hugetlb"}));
	p.cpus.resize(1); // the soft offline alone
	auto r = run_explorer(p, "dfs", 0, 2);
	ASSERT_TRUE(r.first.has_value());
	EXPECT_NE(r.first->violation.message.find("usable free pages"), std::string::npos)
		<< describe_first(r);
}

// ---- Michal Hocko's replacement ----

TEST(Seed004, ReplacementAloneClosesTheReservedFlowExhaustivelyAtBound2)
{
	MmProgram p(seed004_reserved("seed004-replace", {"soft_offline_replace_hugetlb"},
				     {"soft_offline_free_hugetlb"}));
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
	EXPECT_TRUE(r.exhausted);
}

TEST(Seed004, ReplacementAloneClosesTheJustAllocatedFlowOver5kPctSchedules)
{
	MmProgram p(seed004_killed("seed004-replace", {"soft_offline_replace_hugetlb"},
				   {"soft_offline_free_hugetlb"}));
	auto r = run_explorer(p, "pct", 5000);
	EXPECT_FALSE(r.first.has_value()) << describe_first(r);
}

// Soft offline of the only free page, which A's mapping reserves: the merged fix refuses
// (-EBUSY, nothing changes); the replacement succeeds and A never notices.
TEST(SoftOffline, OfAReservedFreeHugePageFailsCleanlyWithTheFixAndSucceedsWithTheReplacement)
{
	for (bool replace : {false, true}) {
		check::World w;
		mm::Config cfg = hugetlb_config(3);
		cfg.fixes.set("soft_offline_replace_hugetlb", replace);
		w.reset(cfg);
		Ctx c;
		mf_setup(w, c, true, false);
		mm::pfn_t h = c.addrs.at("H");
		EXPECT_EQ(w.meminfo(), counters(1, 1, 1, 0));
		EXPECT_EQ(w.soft_offline(h), replace ? 0 : -EBUSY);
		EXPECT_EQ(poisoned(w, h), replace);
		EXPECT_EQ(w.meminfo(), counters(1, 1, 1, 0)) << "the pool stays whole";
		EXPECT_EQ(w.store(c.proc("A"), MF_XA, 5).kind, mm::access_result::ok);
		EXPECT_EQ(w.load(c.proc("A"), MF_XA).value, 5u);
		EXPECT_EQ(w.meminfo(), counters(1, 0, 0, 0));
		EXPECT_EQ(c.proc("A").sigbus, 0);
		w.check_invariants();
	}
}

TEST(SoftOffline, OfAnUnreservedFreeHugePageShrinksThePoolAndHoldsThePoisonedFrame)
{
	check::World w;
	w.reset(hugetlb_config(3));
	Ctx c;
	mf_setup(w, c, false, false);
	mm::pfn_t h = c.addrs.at("H");
	EXPECT_EQ(w.soft_offline(h), 0);
	EXPECT_TRUE(poisoned(w, h));
	EXPECT_EQ(w.meminfo(), counters(0, 0, 0, 0));
	EXPECT_FALSE(w.kernel().phys().is_free(h));
	EXPECT_EQ(w.kernel().phys().pfn_to_page(h)->_refcount.peek(), 1) << "page_handle_poison's";
	EXPECT_EQ(w.soft_offline(h), 0) << "already poisoned";
	w.check_invariants();
}

// ---- soft offline of a page in use: hugetlb migration ----

TEST(SoftOffline, OfAMappedHugePageMigratesItAndKeepsTheData)
{
	check::World w;
	w.reset(hugetlb_config(3));
	Ctx c;
	mf_setup(w, c, true, true);
	w.store(c.proc("A"), MF_XA, 7);
	w.store(c.proc("B"), MF_XB + PAGE_SIZE, 8);
	mm::pfn_t old_pfn = w.pfn_of(c.proc("A"), MF_XA);
	EXPECT_EQ(w.madvise(c.proc("A"), MF_XA, HPAGE_SIZE, mm::MADV_SOFT_OFFLINE), 0);
	mm::pfn_t new_pfn = w.pfn_of(c.proc("A"), MF_XA);
	EXPECT_NE(new_pfn, old_pfn);
	EXPECT_TRUE(poisoned(w, old_pfn));
	EXPECT_FALSE(poisoned(w, new_pfn));
	EXPECT_EQ(w.load(c.proc("A"), MF_XA).value, 7u);
	EXPECT_EQ(w.load(c.proc("B"), MF_XB).value, 7u);
	EXPECT_EQ(w.load(c.proc("A"), MF_XA + PAGE_SIZE).value, 8u);
	EXPECT_EQ(w.pfn_of(c.proc("B"), MF_XB), new_pfn);
	// The target was a temporary page (no free page): it joined the pool, the old one left.
	EXPECT_EQ(w.meminfo(), counters(1, 0, 0, 0));
	EXPECT_EQ(c.proc("A").sigbus + c.proc("B").sigbus, 0);
	w.check_invariants();
}

TEST(SoftOffline, OfAMappedHugePageIsInvisibleToAConcurrentWriterOver2kPctSchedules)
{
	MmSpec s;
	s.cfg = hugetlb_config(3);
	s.init = [](check::World& w, Ctx& c) {
		mf_setup(w, c, true, true);
		w.store(c.proc("A"), MF_XA, 7);
		w.load(c.proc("B"), MF_XB);
	};
	expect_invisible_soft_offline(s, MF_XA, HPAGE_SIZE, [](check::World& w, Ctx& c) {
		w.store(c.proc("B"), MF_XB + PAGE_SIZE, 8);
		w.load(c.proc("B"), MF_XB);
	});
}

// The detector pair of the migration: a migration that loses the contents is caught.
TEST(SoftOffline, AMigrationThatSkipsTheCopyIsCaughtByTheMemoryOracle)
{
	mm::Config cfg = hugetlb_config(3);
	cfg.fixes.set("migrate_skips_copy", true);
	MmSpec s;
	s.cfg = cfg;
	s.init = [](check::World& w2, Ctx& c2) {
		mf_setup(w2, c2, true, false);
		w2.store(c2.proc("A"), MF_XA, 7);
	};
	s.cpus.push_back([](check::World& w2, Ctx& c2) {
		w2.madvise(c2.proc("A"), MF_XA, HPAGE_SIZE, mm::MADV_SOFT_OFFLINE);
		w2.load(c2.proc("A"), MF_XA);
	});
	MmProgram p(s);
	auto r = run_explorer(p, "dfs", 0, 2);
	ASSERT_TRUE(r.first.has_value());
	EXPECT_NE(r.first->violation.message.find("does not behave like memory"), std::string::npos)
		<< describe_first(r);
}

// A small anon page: migrated, the old frame poisoned and held, the data kept.
TEST(SoftOffline, OfASmallAnonPageMigratesItAndKeepsTheData)
{
	check::World w;
	w.reset(mm::Config{});
	mm::process* a = w.create_process("A");
	constexpr unsigned long X = 0x40000000;
	w.mmap(*a, X, 2 * PAGE_SIZE, RW_, mm::MAP_PRIVATE | mm::MAP_ANONYMOUS | mm::MAP_FIXED);
	w.store(*a, X, 3);
	w.store(*a, X + PAGE_SIZE, 4);
	mm::pfn_t old_pfn = w.pfn_of(*a, X);
	EXPECT_EQ(w.madvise(*a, X, PAGE_SIZE, mm::MADV_SOFT_OFFLINE), 0);
	EXPECT_NE(w.pfn_of(*a, X), old_pfn);
	EXPECT_TRUE(poisoned(w, old_pfn));
	EXPECT_EQ(w.load(*a, X).value, 3u);
	EXPECT_EQ(w.load(*a, X + PAGE_SIZE).value, 4u);
	EXPECT_EQ(w.soft_offline(old_pfn), 0) << "already poisoned";
	w.check_invariants();
}

TEST(SoftOffline, OfASmallAnonPageIsInvisibleToAConcurrentWriterOver2kPctSchedules)
{
	constexpr unsigned long X = 0x40000000;
	MmSpec s;
	s.init = [](check::World& w, Ctx& c) {
		c.procs["A"] = w.create_process("A");
		w.mmap(c.proc("A"), X, PAGE_SIZE, RW_, mm::MAP_PRIVATE | mm::MAP_ANONYMOUS | mm::MAP_FIXED);
		w.store(c.proc("A"), X, 3);
	};
	expect_invisible_soft_offline(s, X, PAGE_SIZE, [](check::World& w, Ctx& c) {
		w.store(c.proc("A"), X, 4);
		w.load(c.proc("A"), X);
	});
}

// ---- hard offline ----

struct HardSetup {
	check::World w;
	Ctx c;
	mm::pfn_t h = 0;
	explicit HardSetup(bool early)
	{
		w.reset(hugetlb_config(3));
		w.set_nr_hugepages(2);
		c.procs["A"] = w.create_process("A");
		c.procs["B"] = w.create_process("B");
		c.procs["C"] = w.create_process("C");
		mm::file* f = w.hugetlbfs_create("F", HPAGE_SIZE);
		w.mmap(c.proc("A"), MF_XA, HPAGE_SIZE, RW_, mm::MAP_SHARED | mm::MAP_FIXED, f);
		w.mmap(c.proc("B"), MF_XB, HPAGE_SIZE, RW_, mm::MAP_SHARED | mm::MAP_FIXED, f);
		w.store(c.proc("A"), MF_XA, 7);
		h = w.pfn_of(c.proc("A"), MF_XA);
		w.set_memory_failure_early_kill(early);
	}
};

TEST(HardOffline, EarlyKillSignalsEveryProcessWhoseVmaCoversThePage)
{
	HardSetup s(true);
	EXPECT_EQ(s.w.meminfo(), counters(2, 1, 0, 0));
	EXPECT_EQ(s.w.memory_failure(s.h), 0);
	EXPECT_EQ(s.c.proc("A").sigbus, 1) << "mapped it";
	EXPECT_EQ(s.c.proc("B").sigbus, 1) << "its VMA covers the page (collect_procs_file)";
	EXPECT_EQ(s.c.proc("C").sigbus, 0);
	EXPECT_TRUE(poisoned(s.w, s.h));
	// The page left the cache and the reserve map: the counters did not move.
	EXPECT_EQ(s.w.meminfo(), counters(2, 1, 0, 0));
	s.w.check_invariants();
}

TEST(HardOffline, LateKillSignalsOnlyTheMapperThatTouchesThePageAgain)
{
	HardSetup s(false);
	EXPECT_EQ(s.w.memory_failure(s.h), 0);
	EXPECT_EQ(s.c.proc("A").sigbus + s.c.proc("B").sigbus, 0);
	// A's entry is a hwpoison entry now.
	EXPECT_EQ(s.w.load(s.c.proc("A"), MF_XA).kind, mm::access_result::sigbus);
	EXPECT_EQ(s.c.proc("A").sigbus, 1);
	// B never mapped it: its fault gets a new page, and the data is lost (zero).
	auto r = s.w.load(s.c.proc("B"), MF_XB);
	EXPECT_EQ(r.kind, mm::access_result::ok);
	EXPECT_EQ(r.value, 0u);
	EXPECT_EQ(s.c.proc("B").sigbus, 0);
	EXPECT_EQ(s.w.meminfo(), counters(2, 0, 0, 0));
	EXPECT_EQ(s.w.memory_failure(s.h), -EHWPOISON);
	s.w.check_invariants();
}

TEST(HardOffline, OfAFreeHugePageDissolvesItAndMayBreakAReservation)
{
	check::World w;
	w.reset(hugetlb_config(3));
	Ctx c;
	mf_setup(w, c, true, false);
	mm::pfn_t h = c.addrs.at("H");
	// Every free page is reserved: the dissolve fails, the page stays poisoned in the pool
	// (accepted for hard offline) and A's reserved fault fails.
	EXPECT_EQ(w.memory_failure(h), -EBUSY);
	EXPECT_TRUE(poisoned(w, h));
	EXPECT_EQ(w.meminfo(), counters(1, 1, 1, 0));
	EXPECT_EQ(w.store(c.proc("A"), MF_XA, 1).kind, mm::access_result::sigbus);
	w.check_invariants();
}

TEST(HardOffline, OfAnUnreservedFreeHugePageTakesItOutOfThePool)
{
	check::World w;
	w.reset(hugetlb_config(3));
	Ctx c;
	mf_setup(w, c, false, false);
	mm::pfn_t h = c.addrs.at("H");
	EXPECT_EQ(w.memory_failure(h), 0);
	EXPECT_EQ(w.meminfo(), counters(0, 0, 0, 0));
	EXPECT_TRUE(check::hard_error(w.kernel(), h));
	w.check_invariants();
}

} // namespace
