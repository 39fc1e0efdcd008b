// Seed 001 (2014): GUP-fast against THP collapse and page/table freeing, under IPI and
// broadcast TLB flushing. Each race: found by the explorer with its fix off (broadcast
// flush); the IPI-flush controls are clean with the 2022 fixes off (the thread's point: an
// IPI flush waits for IRQ-off GUP-fast); each fix and proposal alone makes its race clean;
// and today's kernel (every fix on: the other half of each pair) is clean in every scenario
// under both flush modes, exhaustively at preemption bound 2 (TodaysKernel below).
#include "gup_scenarios.hpp"

#include <gtest/gtest.h>

namespace {

using namespace gup_scenarios;

// Returns the first violation's message. Without quiescent checks only the accesses
// themselves (loads, DMA) can find the race.
std::string expect_found(const MmSpec& s, bool quiescent_checks = true)
{
	MmProgram p(s);
	p.world().set_check_quiescent(quiescent_checks);
	auto r = run_explorer(p, "dfs", 20000, 2);
	EXPECT_TRUE(r.first.has_value()) << s.title << ": not found in " << r.schedules
					 << " schedules";
	if (!r.first)
		return {};
	std::printf("%s: found after %llu schedules: %s\n", s.title.c_str(),
		    static_cast<unsigned long long>(r.first->schedule_index),
		    describe_first(r).c_str());
	return r.first->violation.message;
}

void expect_clean(const MmSpec& s)
{
	MmProgram p(s);
	auto r = run_explorer(p, "dfs", 0, 2);
	EXPECT_FALSE(r.first.has_value()) << s.title << ": " << describe_first(r);
	EXPECT_TRUE(r.exhausted) << r.schedules << " schedules";
	std::printf("%s: clean, %llu schedules\n", s.title.c_str(),
		    static_cast<unsigned long long>(r.schedules));
}

TEST(GupFastVsCollapse, AndreasRaceIsFoundUnderBroadcastFlushWithBoth2022FixesOff)
{
	std::string m = expect_found(collapse_vs_gup_fast(config(
		TlbFlushMode::broadcast, {Fix::gup_fast_pmd_recheck, Fix::khugepaged_gup_fast_ipi})));
	// The DMA write went to the old page; the process reads the THP.
	EXPECT_NE(m.find("expected 42"), std::string::npos) << m;
}

TEST(GupFastVsCollapse, IsCleanUnderIpiFlushEvenWithBoth2022FixesOff)
{
	expect_clean(collapse_vs_gup_fast(
		config(TlbFlushMode::ipi, {Fix::gup_fast_pmd_recheck, Fix::khugepaged_gup_fast_ipi})));
}

TEST(GupFastVsCollapse, ProcessStoresLostToTheDeviceAreFoundByTheCoherenceCheck)
{
	std::string m = expect_found(collapse_vs_gup_fast_read(config(
		TlbFlushMode::broadcast, {Fix::gup_fast_pmd_recheck, Fix::khugepaged_gup_fast_ipi})));
	EXPECT_NE(m.find("GUP coherence"), std::string::npos) << m;
}

TEST(GupFastVsCollapse, ProcessStoresLostToTheDeviceAreFoundByTheDmaRead)
{
	std::string m = expect_found(
		collapse_vs_gup_fast_read(config(TlbFlushMode::broadcast,
						 {Fix::gup_fast_pmd_recheck, Fix::khugepaged_gup_fast_ipi})),
		false);
	EXPECT_NE(m.find("DMA read through a GUP pin"), std::string::npos) << m;
}

TEST(GupFastVsThpZap, SplittingAThpUnderGupFastIsCleanUnderBothFlushModes)
{
	expect_clean(thp_zap_vs_gup_fast(config(TlbFlushMode::broadcast), false));
	expect_clean(thp_zap_vs_gup_fast(config(TlbFlushMode::ipi), false));
}

TEST(GupFastVsThpZap, ZappingAWholeThpUnderGupFastIsCleanUnderBothFlushModes)
{
	expect_clean(thp_zap_vs_gup_fast(config(TlbFlushMode::broadcast), true));
	expect_clean(thp_zap_vs_gup_fast(config(TlbFlushMode::ipi), true));
}

// Either 2022 fix closes Andrea's race on its own: the PMD recheck makes GUP-fast back off,
// the IPI makes collapse wait for GUP-fast before it checks the refcounts.
TEST(GupFastVsCollapse, PmdRecheckAloneMakesItClean)
{
	expect_clean(collapse_vs_gup_fast(
		config(TlbFlushMode::broadcast, {Fix::khugepaged_gup_fast_ipi})));
}

TEST(GupFastVsCollapse, KhugepagedIpiAloneMakesItClean)
{
	expect_clean(collapse_vs_gup_fast(
		config(TlbFlushMode::broadcast, {Fix::gup_fast_pmd_recheck})));
}

// Andrea's two 2014 proposals, each instead of the PMD recheck (and without the 2022 IPI).
TEST(GupFastVsCollapse, AndreasIpiAfterThePmdClearMakesItClean)
{
	mm::Config c = config(TlbFlushMode::broadcast, {Fix::khugepaged_gup_fast_ipi});
	c.fixes.set(Proposal::collapse_ipi_after_pmd_clear, true);
	expect_clean(collapse_vs_gup_fast(c));
}

TEST(GupFastVsCollapse, AndreasRefcountRecheckAfterThePteClearMakesItClean)
{
	mm::Config c = config(TlbFlushMode::broadcast, {Fix::khugepaged_gup_fast_ipi});
	c.fixes.set(Proposal::collapse_recheck_refcount, true);
	expect_clean(collapse_vs_gup_fast(c));
}

TEST(GupFastVsDepositedTableFree, IsFoundUnderBroadcastFlushWithoutTheKhugepagedIpi)
{
	std::string m = expect_found(collapse_munmap_vs_gup_fast(
		config(TlbFlushMode::broadcast, {Fix::khugepaged_gup_fast_ipi})));
	EXPECT_NE(m.find("read of a page-table entry of PTE table"), std::string::npos) << m;
}

TEST(GupFastVsDepositedTableFree, IsCleanUnderIpiFlushWithoutTheKhugepagedIpi)
{
	expect_clean(collapse_munmap_vs_gup_fast(
		config(TlbFlushMode::ipi, {Fix::khugepaged_gup_fast_ipi})));
}

TEST(GupFastSpeculativeRef, PlainIncrementIsFoundTakingAReferenceOnAFreedPageUnderBroadcast)
{
	std::string m = expect_found(munmap_vs_gup_fast(
		config(TlbFlushMode::broadcast, {Fix::gup_fast_speculative_ref})));
	EXPECT_NE(m.find("folio_ref_add of page"), std::string::npos) << m;
}

TEST(GupFastSpeculativeRef, PlainIncrementIsCleanUnderIpiFlush)
{
	expect_clean(munmap_vs_gup_fast(config(TlbFlushMode::ipi, {Fix::gup_fast_speculative_ref})));
}

// Without RCU-deferred table freeing, a broadcast flush lets munmap free the PTE table
// GUP-fast is reading (HAVE_RCU_TABLE_FREE, the thread's first point).
TEST(GupFastTableFree, ImmediateTableFreeIsFoundUnderBroadcastFlush)
{
	mm::Config c = config(TlbFlushMode::broadcast);
	c.table_free = mm::TableFreeMode::immediate;
	std::string m = expect_found(munmap_vs_gup_fast(c));
	EXPECT_NE(m.find("read of a page-table entry of PTE table"), std::string::npos) << m;
}

TEST(GupFastTableFree, ImmediateTableFreeIsCleanUnderIpiFlush)
{
	mm::Config c = config(TlbFlushMode::ipi);
	c.table_free = mm::TableFreeMode::immediate;
	expect_clean(munmap_vs_gup_fast(c));
}

TEST(GupFastVsFork, IsFoundWithoutTheWriteProtectSeqcount)
{
	std::string m = expect_found(fork_vs_gup_fast(
		config(TlbFlushMode::ipi, {Fix::gup_fast_fork_seqcount})));
	EXPECT_NE(m.find("GUP coherence"), std::string::npos) << m;
}

} // namespace

namespace {

// Today's kernel (every fix on) is clean in every seed-001 scenario under both flush modes,
// exhaustively at preemption bound 2.
struct TodaysKernel : ::testing::TestWithParam<TlbFlushMode> {};

TEST_P(TodaysKernel, EverySeed001ScenarioIsCleanExhaustivelyAtBound2)
{
	const mm::Config c = config(GetParam());
	for (const MmSpec& s : {collapse_vs_gup_fast(c), collapse_vs_gup_fast_read(c),
				collapse_munmap_vs_gup_fast(c), munmap_vs_gup_fast(c), fork_vs_gup_fast(c)})
		expect_clean(s);
}

INSTANTIATE_TEST_SUITE_P(FlushModes, TodaysKernel,
			 ::testing::Values(TlbFlushMode::ipi, TlbFlushMode::broadcast),
			 [](const ::testing::TestParamInfo<TlbFlushMode>& p) {
				 return p.param == TlbFlushMode::ipi ? "Ipi" : "Broadcast";
			 });

} // namespace
