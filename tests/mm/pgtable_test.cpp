// Page-table entry encoding, table pages and their use-after-free checks.
#include "mm_harness.hpp"

#include <gtest/gtest.h>

namespace {

using namespace mm;

TEST(PteEncoding, PresentLeafRoundTripsPfnAndPermissions)
{
	pteval_t v = pfn_pte(1234, true);
	EXPECT_TRUE(pte_present(v));
	EXPECT_TRUE(pte_write(v));
	EXPECT_FALSE(pte_huge(v));
	EXPECT_EQ(pte_pfn(v), 1234u);
	EXPECT_FALSE(pte_write(pte_wrprotect(v)));
	EXPECT_TRUE(pte_huge(pfn_pmd_huge(512, false)));
}

TEST(PteEncoding, SwapFormatEntriesAreNotPresentAndCarryTheirPfn)
{
	pteval_t m = make_migration_entry(77, true);
	EXPECT_FALSE(pte_present(m));
	EXPECT_TRUE(is_swap_pte(m));
	EXPECT_TRUE(is_migration_entry(m));
	EXPECT_TRUE(is_writable_migration_entry(m));
	EXPECT_EQ(swp_offset_pfn(m), 77u);
	EXPECT_FALSE(is_writable_migration_entry(make_migration_entry(77, false)));
	pteval_t h = make_hwpoison_entry(9);
	EXPECT_TRUE(is_hwpoison_entry(h));
	EXPECT_FALSE(is_migration_entry(h));
	EXPECT_EQ(swp_offset_pfn(h), 9u);
	EXPECT_TRUE(pte_none(0));
}

TEST(PageTables, AnEntryFindsItsTablePage)
{
	Kernel k;
	k.reset(Config{});
	ptdesc* pt = k.pgtables().alloc(GFP_KERNEL, PT_PTE, nullptr, 0x40000000);
	ASSERT_NE(pt, nullptr);
	EXPECT_EQ(ptdesc_of(&pt->entries[300]), pt);
	EXPECT_EQ(slot_index(&pt->entries[300]), 300);
	EXPECT_TRUE(folio_test(pt->frame, PG_table));
	EXPECT_EQ(k.pgtables().of_pfn(pt->frame->pfn), pt);
}

TEST(PageTables, ReadingOrLockingAFreedTableIsAUseAfterFree)
{
	Kernel k;
	Config c;
	c.table_free = TableFreeMode::immediate;
	k.reset(c);
	ptdesc* pt = k.pgtables().alloc(GFP_KERNEL, PT_PTE, nullptr, 0x40000000);
	pte_slot* e = &pt->entries[1];
	EXPECT_EQ(ptep_get(e), 0u);
	k.pgtables().free(pt);
	EXPECT_THROW(ptep_get(e), sim::ViolationError);
	EXPECT_THROW(ptl_lock(ptl_of(e), e), sim::ViolationError);
	EXPECT_THROW(k.pgtables().free(pt), sim::ViolationError); // double free
}

// The page-table walk allocates missing levels once and finds them again.
TEST(PageTables, WalkAllocatesEachLevelOnce)
{
	Kernel k;
	k.reset(Config{});
	process* p = k.create_process("A");
	std::size_t free0 = k.phys().nr_free();
	pmd_t* pmd = walk_to_pmd(p->mm, 0x40000000, true);
	ASSERT_NE(pmd, nullptr);
	EXPECT_EQ(free0 - k.phys().nr_free(), 2u); // PUD and PMD tables
	EXPECT_TRUE(pte_alloc(p->mm, pmd, 0x40000000));
	EXPECT_EQ(free0 - k.phys().nr_free(), 3u);
	EXPECT_EQ(walk_to_pmd(p->mm, 0x40001000, true), pmd);
	EXPECT_TRUE(pte_alloc(p->mm, pmd, 0x40001000));
	EXPECT_EQ(free0 - k.phys().nr_free(), 3u);
	EXPECT_EQ(walk_to_pmd(p->mm, 0x80000000, false), nullptr); // another PUD entry: none
}

} // namespace
