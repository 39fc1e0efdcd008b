// hugetlb reservation semantics: the worked examples of races.md §4.5 and libhugetlbfs-style
// counter checks. Every test runs through check::World, so the memory oracle judges each access
// and the structural and hugetlb invariants (counter relations, reservation identity) run after
// every operation.
#include "hugetlb_harness.hpp"

namespace {

using namespace mmtest;

struct HugetlbResv : ::testing::Test {
	check::World w;
	void pool(int pages, int frames_for = 4)
	{
		w.reset(hugetlb_config(frames_for));
		ASSERT_EQ(w.set_nr_hugepages(static_cast<unsigned long>(pages)), 0);
	}
	unsigned long map(mm::process& p, unsigned long len, int flags, mm::file* f = nullptr,
			  unsigned long addr = 0)
	{
		long r = w.mmap(p, addr, len, RW, flags | (addr ? mm::MAP_FIXED : 0), f);
		EXPECT_GT(r, 0) << "mmap failed: " << r;
		return static_cast<unsigned long>(r);
	}
};

// §4.5 shared: mmap 3 pages of F -> (4,4,3,0); fault one -> (4,3,2,0); munmap -> unchanged;
// rm F and last close (evict: one page freed, three reservations dropped) -> (4,4,0,0).
TEST_F(HugetlbResv, SharedMappingReservesAtMmapAndReleasesAtEviction)
{
	pool(4);
	mm::process* a = w.create_process("A");
	mm::file* f = w.hugetlbfs_create("F", 3 * HPAGE_SIZE);
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(w.meminfo(), counters(4, 4, 0, 0));
	unsigned long x = map(*a, 3 * HPAGE_SIZE, SHARED, f);
	EXPECT_EQ(w.meminfo(), counters(4, 4, 3, 0));
	EXPECT_EQ(w.store(*a, x, 7).kind, mm::access_result::ok);
	EXPECT_EQ(w.meminfo(), counters(4, 3, 2, 0));
	EXPECT_EQ(w.load(*a, x + PAGE_SIZE).value, 0u);
	EXPECT_EQ(w.munmap(*a, x, 3 * HPAGE_SIZE), 0);
	EXPECT_EQ(w.meminfo(), counters(4, 3, 2, 0));
	EXPECT_EQ(w.unlink(*f), 0);
	EXPECT_EQ(w.meminfo(), counters(4, 4, 0, 0));
}

// §4.5 private + fork: owner mmap 3 -> (4,4,3,0); owner faults idx0, idx1 -> (4,2,1,0); fork;
// the child writes idx0 (unreserved; available 1) -> (4,1,1,0); the owner writes idx1, shared
// with the child: no page outside its reserve, so unmap_ref_private() takes it from the child
// and the owner reuses it -> (4,1,1,0); the child touches idx1 -> SIGBUS; the child exits
// -> (4,2,1,0); the owner faults idx2 (reserved) -> (4,1,0,0).
TEST_F(HugetlbResv, PrivateOwnerNeverFailsItsCowAndTheChildGetsSigbus)
{
	pool(4);
	mm::process* a = w.create_process("A");
	unsigned long x = map(*a, 3 * HPAGE_SIZE, HUGE_ANON_PRIVATE);
	EXPECT_EQ(w.meminfo(), counters(4, 4, 3, 0));
	EXPECT_EQ(w.store(*a, x, 10).kind, mm::access_result::ok);
	EXPECT_EQ(w.store(*a, x + HPAGE_SIZE, 11).kind, mm::access_result::ok);
	EXPECT_EQ(w.meminfo(), counters(4, 2, 1, 0));
	mm::process* b = w.fork(*a, "B");
	ASSERT_NE(b, nullptr);
	EXPECT_EQ(w.store(*b, x, 20).kind, mm::access_result::ok);
	EXPECT_EQ(w.meminfo(), counters(4, 1, 1, 0));
	EXPECT_EQ(w.store(*a, x + HPAGE_SIZE, 12).kind, mm::access_result::ok);
	EXPECT_EQ(w.meminfo(), counters(4, 1, 1, 0));
	EXPECT_EQ(w.load(*b, x + HPAGE_SIZE).kind, mm::access_result::sigbus);
	EXPECT_EQ(w.load(*b, x).value, 20u);
	EXPECT_EQ(w.load(*a, x).value, 10u);
	w.exit(*b);
	EXPECT_EQ(w.meminfo(), counters(4, 2, 1, 0));
	EXPECT_EQ(w.store(*a, x + 2 * HPAGE_SIZE, 13).kind, mm::access_result::ok);
	EXPECT_EQ(w.meminfo(), counters(4, 1, 0, 0));
	EXPECT_EQ(w.load(*a, x + HPAGE_SIZE).value, 12u);
}

// The other order of §4.5: the child writes idx1 before the owner, with nothing available:
// its COW fails with SIGBUS directly.
TEST_F(HugetlbResv, ChildCowWithAnEmptyPoolGetsSigbus)
{
	pool(2);
	mm::process* a = w.create_process("A");
	unsigned long x = map(*a, 2 * HPAGE_SIZE, HUGE_ANON_PRIVATE);
	w.store(*a, x, 1);
	w.store(*a, x + HPAGE_SIZE, 2);
	EXPECT_EQ(w.meminfo(), counters(2, 0, 0, 0));
	mm::process* b = w.fork(*a, "B");
	EXPECT_EQ(w.store(*b, x + HPAGE_SIZE, 3).kind, mm::access_result::sigbus);
	EXPECT_EQ(w.load(*b, x + HPAGE_SIZE).value, 2u);
	EXPECT_EQ(w.meminfo(), counters(2, 0, 0, 0));
}

// §4.5 overcommit: pool 0, overcommit 2; a shared mapping of 2 pages gathers 2 surplus pages
// -> (2,2,2,2); faulting both -> (2,0,0,2); unmapping the anonymous file evicts it and the pages
// go back to the allocator -> (0,0,0,0).
TEST_F(HugetlbResv, OvercommitGathersSurplusPagesAtReservationAndFreesThemAtEviction)
{
	pool(0, 3);
	w.set_nr_overcommit_hugepages(2);
	mm::process* a = w.create_process("A");
	unsigned long x = map(*a, 2 * HPAGE_SIZE, HUGE_ANON_SHARED);
	EXPECT_EQ(w.meminfo(), counters(2, 2, 2, 2));
	w.store(*a, x, 1);
	w.store(*a, x + HPAGE_SIZE, 2);
	EXPECT_EQ(w.meminfo(), counters(2, 0, 0, 2));
	EXPECT_EQ(w.munmap(*a, x, 2 * HPAGE_SIZE), 0);
	EXPECT_EQ(w.meminfo(), counters(0, 0, 0, 0));
}

// A reservation larger than the pool plus the overcommit headroom fails the mmap (ENOMEM) and
// leaves the counters alone.
TEST_F(HugetlbResv, ReservationBeyondPoolAndOvercommitFailsMmap)
{
	pool(2);
	w.set_nr_overcommit_hugepages(1);
	mm::process* a = w.create_process("A");
	EXPECT_EQ(w.mmap(*a, 0, 4 * HPAGE_SIZE, RW, HUGE_ANON_SHARED), -ENOMEM);
	EXPECT_EQ(w.meminfo(), counters(2, 2, 0, 0));
	EXPECT_GT(w.mmap(*a, 0, 3 * HPAGE_SIZE, RW, HUGE_ANON_SHARED), 0);
	EXPECT_EQ(w.meminfo(), counters(3, 3, 3, 1));
}

// NORESERVE: nothing is reserved; faults take free pages while there are any, then SIGBUS.
TEST_F(HugetlbResv, NoreserveMappingFaultsUntilThePoolIsEmptyThenSigbus)
{
	pool(2);
	mm::process* a = w.create_process("A");
	unsigned long x = map(*a, 3 * HPAGE_SIZE, HUGE_ANON_SHARED | mm::MAP_NORESERVE);
	EXPECT_EQ(w.meminfo(), counters(2, 2, 0, 0));
	EXPECT_EQ(w.store(*a, x, 1).kind, mm::access_result::ok);
	EXPECT_EQ(w.store(*a, x + HPAGE_SIZE, 2).kind, mm::access_result::ok);
	EXPECT_EQ(w.store(*a, x + 2 * HPAGE_SIZE, 3).kind, mm::access_result::sigbus);
	EXPECT_EQ(w.meminfo(), counters(2, 0, 0, 0));
}

// A NORESERVE mapping cannot take a page another mapping reserved (dequeue refuses an
// unreserved allocation when free == resv), but consumes the reservation of an index that is
// reserved (vma_has_reserves()).
TEST_F(HugetlbResv, NoreserveMappingLeavesOtherReservationsAloneButConsumesItsOwnIndex)
{
	pool(2);
	mm::process* a = w.create_process("A");
	mm::file* f = w.hugetlbfs_create("F", 4 * HPAGE_SIZE);
	unsigned long r = map(*a, HPAGE_SIZE, SHARED, f); // reserves index 0
	(void)r;
	unsigned long n = w.mmap(*a, 0, 4 * HPAGE_SIZE, RW, SHARED | mm::MAP_NORESERVE, f);
	EXPECT_EQ(w.meminfo(), counters(2, 2, 1, 0));
	EXPECT_EQ(w.store(*a, n + 2 * HPAGE_SIZE, 1).kind, mm::access_result::ok); // unreserved
	EXPECT_EQ(w.meminfo(), counters(2, 1, 1, 0));
	EXPECT_EQ(w.store(*a, n + 3 * HPAGE_SIZE, 1).kind, mm::access_result::sigbus);
	EXPECT_EQ(w.store(*a, n, 5).kind, mm::access_result::ok); // index 0: the reservation
	EXPECT_EQ(w.meminfo(), counters(2, 0, 0, 0));
}

// Truncation drops the pages and reservations beyond the new size: resv -= reserved - freed.
TEST_F(HugetlbResv, TruncateReleasesPagesAndReservationsBeyondTheNewSize)
{
	pool(4);
	mm::process* a = w.create_process("A");
	mm::file* f = w.hugetlbfs_create("F", 4 * HPAGE_SIZE);
	unsigned long x = map(*a, 4 * HPAGE_SIZE, SHARED, f);
	w.store(*a, x + 2 * HPAGE_SIZE, 1);
	w.store(*a, x + 3 * HPAGE_SIZE, 1);
	EXPECT_EQ(w.meminfo(), counters(4, 2, 2, 0));
	EXPECT_EQ(w.ftruncate(*f, HPAGE_SIZE), 0);
	EXPECT_EQ(w.meminfo(), counters(4, 4, 1, 0));
	EXPECT_EQ(w.load(*a, x + 2 * HPAGE_SIZE).kind, mm::access_result::sigbus);
	EXPECT_EQ(w.store(*a, x, 3).kind, mm::access_result::ok);
	EXPECT_EQ(w.meminfo(), counters(4, 3, 0, 0));
}

// A hole punch removes the pages in the hole and their reservations, but keeps the
// reservations of indices without pages; a later fault in the hole is unreserved.
TEST_F(HugetlbResv, PunchHoleReleasesOnlyInstantiatedPages)
{
	pool(4);
	mm::process* a = w.create_process("A");
	mm::file* f = w.hugetlbfs_create("F", 4 * HPAGE_SIZE);
	unsigned long x = map(*a, 4 * HPAGE_SIZE, SHARED, f);
	w.store(*a, x, 1);
	w.store(*a, x + HPAGE_SIZE, 2);
	EXPECT_EQ(w.meminfo(), counters(4, 2, 2, 0));
	EXPECT_EQ(w.fallocate(*f, mm::FALLOC_FL_PUNCH_HOLE | mm::FALLOC_FL_KEEP_SIZE, 0, 3 * HPAGE_SIZE), 0);
	EXPECT_EQ(w.meminfo(), counters(4, 4, 2, 0));
	EXPECT_EQ(w.load(*a, x).value, 0u);
	EXPECT_EQ(w.load(*a, x + 3 * HPAGE_SIZE).value, 0u); // reserved: consumes it
	EXPECT_EQ(w.meminfo(), counters(4, 2, 1, 0));
}

// fallocate instantiates pages, consuming the inode's reservations where it has them and taking
// free pages elsewhere; mapping them later costs nothing.
TEST_F(HugetlbResv, FallocateConsumesReservationsAndPopulatesThePageCache)
{
	pool(4);
	mm::process* a = w.create_process("A");
	mm::file* f = w.hugetlbfs_create("F", 0);
	unsigned long x = map(*a, 2 * HPAGE_SIZE, SHARED, f); // grows F to 2 pages, reserves 2
	EXPECT_EQ(w.meminfo(), counters(4, 4, 2, 0));
	EXPECT_EQ(w.fallocate(*f, 0, 0, 3 * HPAGE_SIZE), 0);
	EXPECT_EQ(w.meminfo(), counters(4, 1, 0, 0));
	EXPECT_EQ(w.store(*a, x + HPAGE_SIZE, 4).kind, mm::access_result::ok);
	EXPECT_EQ(w.meminfo(), counters(4, 1, 0, 0));
}

// SysV shm: shmget reserves, shmat reserves nothing more, detaching keeps the segment and its
// pages, IPC_RMID with no attach destroys it.
TEST_F(HugetlbResv, ShmReservesAtShmgetAndFreesAtRemoval)
{
	pool(4);
	mm::process* a = w.create_process("A");
	int id = w.shmget(mm::IPC_PRIVATE, 2 * HPAGE_SIZE, mm::SHM_HUGETLB | mm::IPC_CREAT);
	ASSERT_GE(id, 0);
	EXPECT_EQ(w.meminfo(), counters(4, 4, 2, 0));
	long x = w.shmat(*a, id, 0, 0);
	ASSERT_GT(x, 0);
	EXPECT_EQ(w.meminfo(), counters(4, 4, 2, 0));
	unsigned long ux = static_cast<unsigned long>(x);
	w.store(*a, ux, 9);
	EXPECT_EQ(w.meminfo(), counters(4, 3, 1, 0));
	mm::process* b = w.create_process("B");
	long y = w.shmat(*b, id, 0, 0);
	EXPECT_EQ(w.load(*b, static_cast<unsigned long>(y)).value, 9u);
	EXPECT_EQ(w.shmdt(*a, ux), 0);
	EXPECT_EQ(w.shmctl(id, mm::IPC_RMID), 0);
	EXPECT_EQ(w.meminfo(), counters(4, 3, 1, 0)); // B still attached
	EXPECT_EQ(w.shmdt(*b, static_cast<unsigned long>(y)), 0);
	EXPECT_EQ(w.meminfo(), counters(4, 4, 0, 0));
}

// Shrinking the pool below the pages in use turns the excess into surplus pages, which leave
// the pool when freed; raising it again converts surplus back to persistent pages.
TEST_F(HugetlbResv, ShrinkingThePoolBelowUseMakesSurplusPages)
{
	pool(2);
	mm::process* a = w.create_process("A");
	unsigned long x = map(*a, 2 * HPAGE_SIZE, HUGE_ANON_SHARED);
	w.store(*a, x, 1);
	w.store(*a, x + HPAGE_SIZE, 1);
	EXPECT_EQ(w.set_nr_hugepages(0), 0);
	EXPECT_EQ(w.meminfo(), counters(2, 0, 0, 2));
	EXPECT_EQ(w.set_nr_hugepages(1), 0);
	EXPECT_EQ(w.meminfo(), counters(2, 0, 0, 1));
	EXPECT_EQ(w.munmap(*a, x, 2 * HPAGE_SIZE), 0);
	EXPECT_EQ(w.meminfo(), counters(1, 1, 0, 0));
}

} // namespace
