// File mappings of an in-memory (tmpfs) file: shared, private with COW, and truncation.
#include "mm_harness.hpp"

#include <gtest/gtest.h>

namespace {

using namespace mmtest;

struct FileTest : ::testing::Test {
	check::World w;
	mm::process* a = nullptr;
	mm::process* b = nullptr;
	mm::file* f = nullptr;
	void SetUp() override
	{
		w.reset(mm::Config{});
		a = w.create_process("A");
		b = w.create_process("B");
		f = w.create_file("data", 4 * PAGE_SIZE);
	}
};

TEST_F(FileTest, SharedMappingsOfOneFileSeeEachOthersStores)
{
	unsigned long xa = static_cast<unsigned long>(w.mmap(*a, 0, 4 * PAGE_SIZE, RW, mm::MAP_SHARED, f));
	unsigned long xb = static_cast<unsigned long>(
		w.mmap(*b, 0, 2 * PAGE_SIZE, RW, mm::MAP_SHARED, f, 2 * PAGE_SIZE));
	w.store(*a, xa + 3 * PAGE_SIZE, 33);
	EXPECT_EQ(w.load(*b, xb + PAGE_SIZE).value, 33u);
	w.store(*b, xb, 22);
	EXPECT_EQ(w.load(*a, xa + 2 * PAGE_SIZE).value, 22u);
	w.check_invariants();
}

// A private mapping reads the file until it writes; its write is its own, and later file
// changes are no longer seen on that page.
TEST_F(FileTest, PrivateMappingCopiesOnWrite)
{
	unsigned long xa = static_cast<unsigned long>(w.mmap(*a, 0, 4 * PAGE_SIZE, RW, mm::MAP_SHARED, f));
	unsigned long xb = static_cast<unsigned long>(w.mmap(*b, 0, 4 * PAGE_SIZE, RW, mm::MAP_PRIVATE, f));
	w.store(*a, xa, 1);
	EXPECT_EQ(w.load(*b, xb).value, 1u);
	w.store(*b, xb, 2);
	EXPECT_EQ(w.load(*a, xa).value, 1u);
	w.store(*a, xa, 3);
	EXPECT_EQ(w.load(*b, xb).value, 2u);
	// Page 1 was never written by B: it still follows the file.
	w.store(*a, xa + PAGE_SIZE, 4);
	EXPECT_EQ(w.load(*b, xb + PAGE_SIZE).value, 4u);
	w.check_invariants();
}

TEST_F(FileTest, AccessBeyondEndOfFileIsSigbus)
{
	unsigned long xa = static_cast<unsigned long>(w.mmap(*a, 0, 8 * PAGE_SIZE, RW, mm::MAP_SHARED, f));
	EXPECT_EQ(w.load(*a, xa + 5 * PAGE_SIZE).kind, mm::access_result::sigbus);
	EXPECT_EQ(a->sigbus, 1);
}

TEST_F(FileTest, TruncateUnmapsAndFreesTheCutPagesEverywhere)
{
	unsigned long xa = static_cast<unsigned long>(w.mmap(*a, 0, 4 * PAGE_SIZE, RW, mm::MAP_SHARED, f));
	unsigned long xb = static_cast<unsigned long>(w.mmap(*b, 0, 4 * PAGE_SIZE, RW, mm::MAP_PRIVATE, f));
	for (unsigned long i = 0; i < 4; ++i)
		w.store(*a, xa + i * PAGE_SIZE, i + 1);
	w.store(*b, xb + 3 * PAGE_SIZE, 9); // a private COW copy of page 3
	EXPECT_EQ(w.load(*b, xb + 2 * PAGE_SIZE).value, 3u);
	std::size_t free_before = w.kernel().phys().nr_free();
	ASSERT_EQ(w.ftruncate(*f, 2 * PAGE_SIZE), 0);
	// Pages 2 and 3 leave the cache, and B's COW copy of page 3 goes too.
	EXPECT_EQ(w.kernel().phys().nr_free(), free_before + 3);
	EXPECT_EQ(w.load(*a, xa + 2 * PAGE_SIZE).kind, mm::access_result::sigbus);
	EXPECT_EQ(w.load(*b, xb + 3 * PAGE_SIZE).kind, mm::access_result::sigbus);
	EXPECT_EQ(w.load(*b, xb + PAGE_SIZE).value, 2u);
	w.check_invariants();
	ASSERT_EQ(w.ftruncate(*f, 4 * PAGE_SIZE), 0);
	EXPECT_EQ(w.load(*a, xa + 3 * PAGE_SIZE).value, 0u);
	w.check_invariants();
}

} // namespace
