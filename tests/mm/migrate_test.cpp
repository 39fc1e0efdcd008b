// Page migration and exec stack relocation, one CPU at a time: what each does to the page
// tables, the pages and the user's data when nothing races with it (issue #6).
#include "mm_harness.hpp"

#include "mm/rmap.hpp"
#include "mm/vma.hpp"

#include <gtest/gtest.h>

namespace {

using namespace mmtest;

constexpr unsigned long X = 0x40000000;

struct MigrateTest : ::testing::Test {
	check::World w;
	void SetUp() override { w.reset(mm::Config{}); }
	mm::page* page(mm::pfn_t pfn) { return w.kernel().phys().pfn_to_page(pfn); }
	mm::pteval_t pte_at(const mm::process& p, unsigned long addr)
	{
		mm::pmd_t* pmd = mm::walk_to_pmd(p.mm, addr, false);
		if (pmd == nullptr || mm::pte_none(pmd->peek()))
			return 0;
		return mm::pte_offset_map(pmd, addr)->peek();
	}
};

//   A: [X, X+2) anon, page 0 = 7 (written: exclusive, writable)
//   move_pages(A, X) -> a new frame with 7 in it, still writable, old frame freed
TEST_F(MigrateTest, MovePagesMovesAnAnonPageToANewFrameWithItsContents)
{
	mm::process* a = w.create_process("A");
	w.mmap(*a, X, 2 * PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
	w.store(*a, X, 7);
	mm::pfn_t old = w.pfn_of(*a, X);
	ASSERT_NE(old, check::World::no_pfn);
	EXPECT_EQ(w.move_pages(*a, X), 0);
	mm::pfn_t now = w.pfn_of(*a, X);
	EXPECT_NE(now, old);
	EXPECT_TRUE(w.kernel().phys().is_free(old));
	EXPECT_TRUE(mm::pte_write(pte_at(*a, X)));
	EXPECT_TRUE(mm::folio_test(page(now), mm::PG_anon_exclusive));
	EXPECT_EQ(w.load(*a, X).value, 7u);
	EXPECT_EQ(w.store(*a, X, 8).kind, mm::access_result::ok);
	EXPECT_EQ(w.load(*a, X).value, 8u);
	w.check_invariants();
}

// A page shared by a fork parent and child is found in both through the parent's anon_vma,
// and both see the data; the migration entries were read-only, so the next store COWs.
TEST_F(MigrateTest, MigratingACowSharedPageRestoresItInParentAndChild)
{
	mm::process* a = w.create_process("A");
	w.mmap(*a, X, PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
	w.store(*a, X, 5);
	mm::process* b = w.fork(*a, "B");
	mm::pfn_t old = w.pfn_of(*a, X);
	ASSERT_EQ(w.pfn_of(*b, X), old);
	EXPECT_EQ(w.migrate_pfn(old), 0);
	mm::pfn_t now = w.pfn_of(*a, X);
	EXPECT_NE(now, old);
	EXPECT_EQ(w.pfn_of(*b, X), now);
	EXPECT_EQ(mm::page_mapcount(page(now)), 2);
	EXPECT_FALSE(mm::pte_write(pte_at(*a, X)));
	EXPECT_EQ(w.load(*b, X).value, 5u);
	w.store(*b, X, 6);
	EXPECT_EQ(w.load(*a, X).value, 5u);
	EXPECT_EQ(w.load(*b, X).value, 6u);
	w.check_invariants();
}

// A shared file page: the page cache now holds the new frame, and a mapping made after the
// migration sees the same contents.
TEST_F(MigrateTest, MigratingAFilePageReplacesItInThePageCache)
{
	mm::process* a = w.create_process("A");
	mm::file* f = w.create_file("F", PAGE_SIZE);
	w.mmap(*a, X, PAGE_SIZE, RW, mm::MAP_SHARED | mm::MAP_FIXED, f);
	w.store(*a, X, 42);
	mm::pfn_t old = w.pfn_of(*a, X);
	EXPECT_EQ(w.move_pages(*a, X), 0);
	mm::pfn_t now = w.pfn_of(*a, X);
	EXPECT_NE(now, old);
	EXPECT_EQ(f->f_mapping->find(0), page(now));
	mm::process* b = w.create_process("B");
	w.mmap(*b, X, PAGE_SIZE, RW, mm::MAP_SHARED | mm::MAP_FIXED, f);
	EXPECT_EQ(w.load(*b, X).value, 42u);
	w.check_invariants();
}

// The failure paths return the kernel's errors and leave everything as it was.
TEST_F(MigrateTest, MigrationRefusesWhatItCannotMove)
{
	mm::process* a = w.create_process("A");
	w.mmap(*a, X, 2 * PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
	w.store(*a, X, 1);
	EXPECT_EQ(w.move_pages(*a, X + PAGE_SIZE), -ENOENT); // nothing mapped yet
	EXPECT_EQ(w.move_pages(*a, X + 4 * PAGE_SIZE), -EFAULT); // no VMA
	mm::pfn_t table = mm::pte_pfn(mm::walk_to_pmd(a->mm, X, false)->peek());
	EXPECT_EQ(w.migrate_pfn(table), -EBUSY); // a page-table page
	EXPECT_EQ(w.migrate_pfn(w.kernel().phys().nr_frames() - 1), -EBUSY); // a free frame
	EXPECT_EQ(w.load(*a, X).value, 1u);
	w.check_invariants();
}

//   exec: the temporary stack [TOP-2, TOP) holds argv {3, 4}; setup_arg_pages moves it to
//   end at 0x7ffff0000000 (another PMD: new tables) and grows it by STACK_EXPAND below.
TEST_F(MigrateTest, SetupArgPagesMovesTheStackWithItsDataAndClearsTheTemporaryMarker)
{
	mm::process* a = w.create_process("A");
	w.mmap(*a, X, PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
	w.store(*a, X, 9);
	ASSERT_EQ(w.exec_begin(*a, {3, 4}), 0);
	const unsigned long top = mm::STACK_TOP_MAX;
	ASSERT_EQ(a->mm->mmap.size(), 1u);
	mm::vm_area_struct* stack = a->mm->mmap[0];
	EXPECT_EQ(stack->start(), top - 2 * PAGE_SIZE);
	EXPECT_TRUE(mm::vma_is_temporary_stack(stack));
	EXPECT_EQ(w.load(*a, top - 2 * PAGE_SIZE).value, 3u);
	EXPECT_EQ(w.load(*a, X).kind, mm::access_result::sigsegv); // the old image is gone
	const unsigned long stack_top = 0x7ffff0000000;
	ASSERT_EQ(w.exec_setup_arg_pages(*a, stack_top), 0);
	EXPECT_EQ(stack->end(), stack_top);
	EXPECT_EQ(stack->start(), stack_top - 2 * PAGE_SIZE - mm::STACK_EXPAND);
	EXPECT_FALSE(mm::vma_is_temporary_stack(stack));
	EXPECT_EQ(w.load(*a, stack_top - 2 * PAGE_SIZE).value, 3u);
	EXPECT_EQ(w.load(*a, stack_top - PAGE_SIZE).value, 4u);
	EXPECT_EQ(w.load(*a, top - PAGE_SIZE).kind, mm::access_result::sigsegv);
	w.check_invariants();
}

// With the fix, a migration of a page of the temporary stack fails cleanly (the page is still
// mapped after the unmap walk); once setup_arg_pages() is done it migrates.
TEST_F(MigrateTest, MigrationLeavesTheTemporaryStackAloneUntilItIsSetUp)
{
	mm::process* a = w.create_process("A");
	ASSERT_EQ(w.exec_begin(*a, {3}), 0);
	mm::pfn_t p = w.pfn_of(*a, mm::STACK_TOP_MAX - PAGE_SIZE);
	EXPECT_EQ(w.migrate_pfn(p), -EAGAIN);
	EXPECT_EQ(w.pfn_of(*a, mm::STACK_TOP_MAX - PAGE_SIZE), p);
	const unsigned long stack_top = 0x7ffff0000000;
	ASSERT_EQ(w.exec_setup_arg_pages(*a, stack_top), 0);
	EXPECT_EQ(w.migrate_pfn(p), 0);
	EXPECT_NE(w.pfn_of(*a, stack_top - PAGE_SIZE), p);
	EXPECT_EQ(w.load(*a, stack_top - PAGE_SIZE).value, 3u);
	w.check_invariants();
}

// The rmap order is what fork relies on: a child's AVC goes after its parent's in the parent's
// anon_vma; the prepend mutant puts it first.
TEST_F(MigrateTest, ForkAppendsTheChildAfterItsParentInTheAnonVma)
{
	for (bool prepend : {false, true}) {
		mm::Config c;
		c.fixes.set(mm::Mutant::anon_vma_chain_prepend, prepend);
		w.reset(c);
		mm::process* a = w.create_process("A");
		w.mmap(*a, X, PAGE_SIZE, RW, ANON | mm::MAP_FIXED);
		w.store(*a, X, 1);
		mm::process* b = w.fork(*a, "B");
		mm::anon_vma* av = a->mm->mmap[0]->anon.peek();
		ASSERT_EQ(av->rb_root.size(), 2u);
		EXPECT_EQ(av->rb_root[prepend ? 1 : 0]->vma->vm_mm, a->mm);
		EXPECT_EQ(av->rb_root[prepend ? 0 : 1]->vma->vm_mm, b->mm);
	}
}

} // namespace
