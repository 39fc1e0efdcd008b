// The issue #6 checks on hand-made states: each fires on a seeded inconsistency and stays
// quiet on the same state without it. (The explorer pairs, found with a fix off and clean
// with it on, are in tests/mm/anon_vma_races_test.cpp.)
#include "check/rmap_check.hpp"
#include "mm/mm_harness.hpp"
#include "mm/vma.hpp"

#include <gtest/gtest.h>

namespace {

using namespace mmtest;

constexpr unsigned long X = 0x40000000;

struct RmapCheckTest : ::testing::Test {
	check::World w;
	mm::process* a = nullptr;
	void SetUp() override
	{
		w.reset(mm::Config{});
		a = w.create_process("A");
		w.mmap(*a, X, 2 * PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
		w.store(*a, X + PAGE_SIZE, 7);
	}
	mm::vm_area_struct* vma() { return a->mm->mmap[0]; }
	mm::pte_t* pte(unsigned long addr)
	{
		return mm::pte_offset_map(mm::walk_to_pmd(a->mm, addr, false), addr);
	}
	mm::folio* page_at(unsigned long addr)
	{
		return w.kernel().phys().pfn_to_page(w.pfn_of(*a, addr));
	}
};

std::string violation_of(const std::function<void()>& f)
{
	try {
		f();
	} catch (const sim::ViolationError& e) {
		return e.violation.message;
	}
	return {};
}

// A VMA whose vm_pgoff no longer matches where its pages are: rmap cannot find the PTE.
TEST_F(RmapCheckTest, CompletenessReportsAPteNoVmaComputes)
{
	EXPECT_EQ(violation_of([&] { w.check_invariants(); }), "");
	vma()->vm_pgoff.init(vma()->vm_pgoff.peek() + 1);
	EXPECT_NE(violation_of([&] { w.check_invariants(); }).find("rmap cannot find the pte"),
		  std::string::npos);
}

// A migration entry nobody restored, once its migration is over.
TEST_F(RmapCheckTest, MigrationEndReportsALeftoverEntry)
{
	mm::folio* f = page_at(X + PAGE_SIZE);
	EXPECT_EQ(violation_of([&] { check::check_migration_end(w.kernel(), *f); }), "");
	pte(X + PAGE_SIZE)->init(mm::make_migration_entry(f->pfn, true));
	EXPECT_NE(violation_of([&] { check::check_migration_end(w.kernel(), *f); }).find("left at"),
		  std::string::npos);
}

// A remove walk that finds nothing where a VMA's fields point, while its entry is elsewhere.
TEST_F(RmapCheckTest, RemoveWalkMissReportsAnEntryTheVmaCannotFind)
{
	mm::folio* f = page_at(X + PAGE_SIZE);
	pte(X + PAGE_SIZE)->init(mm::make_migration_entry(f->pfn, true));
	EXPECT_EQ(violation_of([&] { check::check_rmap_miss(w.kernel(), *f, *f, *vma(), X + PAGE_SIZE); }),
		  "");
	vma()->vm_start.init(X - PAGE_SIZE); // as if shift_arg_pages had lowered it
	std::string m = violation_of(
		[&] { check::check_rmap_miss(w.kernel(), *f, *f, *vma(), X); });
	EXPECT_NE(m.find("remove_migration_ptes() passes the migration entry"), std::string::npos) << m;
	// Put the entry back so that teardown does not trip over it.
	vma()->vm_start.init(X);
	pte(X + PAGE_SIZE)->init(mm::pfn_pte(f->pfn, true));
}

// The oracle knows where exec's data went: argv is checked at its new address.
TEST_F(RmapCheckTest, TheMemoryOracleFollowsTheStackThroughSetupArgPages)
{
	ASSERT_EQ(w.exec_begin(*a, {3}), 0);
	const unsigned long stack_top = 0x7ffff0000000;
	ASSERT_EQ(w.exec_setup_arg_pages(*a, stack_top), 0);
	EXPECT_EQ(violation_of([&] { w.load(*a, stack_top - PAGE_SIZE); }), "");
	page_at(stack_top - PAGE_SIZE)->data.init(4);
	EXPECT_NE(violation_of([&] { w.load(*a, stack_top - PAGE_SIZE); })
			  .find("user memory does not behave like memory"),
		  std::string::npos);
}

} // namespace
