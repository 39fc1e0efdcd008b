// The hugetlb checks must be able to fail: each fires on a seeded model bug (a MUTANT switch) and
// stays quiet on the correct model (the same steps without the mutant).
#include "check/violation.hpp"
#include "mm/hugetlb_harness.hpp"

namespace {

using checktest::expect_violation;

using namespace mmtest;

mm::Config config_with(const char* mutant)
{
	mm::Config c = hugetlb_config(4);
	if (mutant != nullptr) {
		EXPECT_TRUE(c.fixes.set(mutant, true)) << mutant;
	}
	return c;
}

// A shared mapping of 3 reserved pages, one faulted.
void reserved_fault(check::World& w)
{
	w.set_nr_hugepages(4);
	mm::process* a = w.create_process("A");
	mm::file* f = w.hugetlbfs_create("F", 3 * HPAGE_SIZE);
	long x = w.mmap(*a, 0, 3 * HPAGE_SIZE, RW, SHARED, f);
	w.store(*a, static_cast<unsigned long>(x), 1);
}

TEST(HugetlbReservationIdentity, AReservationUsedButNotCountedIsReported)
{
	check::World w;
	w.reset(config_with("hugetlb_resv_not_consumed"));
	try {
		reserved_fault(w);
		FAIL() << "no violation";
	} catch (const sim::ViolationError& e) {
		EXPECT_NE(std::string(e.what()).find("reservation identity"), std::string::npos) << e.what();
	}
}

TEST(HugetlbReservationIdentity, CorrectAccountingIsQuiet)
{
	check::World w;
	w.reset(config_with(nullptr));
	EXPECT_NO_THROW(reserved_fault(w));
	EXPECT_EQ(w.meminfo(), counters(4, 3, 2, 0));
}

// Index 0 reserved by one mapping; a NORESERVE mapping of the same file faults index 1 and then
// the reserved index 0 is faulted by the first mapping.
void steal_then_reserved_fault(check::World& w)
{
	w.set_nr_hugepages(1);
	mm::process* a = w.create_process("A");
	mm::file* f = w.hugetlbfs_create("F", 2 * HPAGE_SIZE);
	long r = w.mmap(*a, 0, HPAGE_SIZE, RW, SHARED, f);
	long n = w.mmap(*a, 0, 2 * HPAGE_SIZE, RW, SHARED | mm::MAP_NORESERVE, f);
	w.store(*a, static_cast<unsigned long>(n) + HPAGE_SIZE, 1); // must SIGBUS: nothing available
	w.store(*a, static_cast<unsigned long>(r), 2);              // reserved: must succeed
}

TEST(HugetlbCounterRelations, AnUnreservedAllocationTakingAReservedPageIsReported)
{
	check::World w;
	w.reset(config_with("hugetlb_steal_reserved"));
	try {
		steal_then_reserved_fault(w);
		FAIL() << "no violation";
	} catch (const sim::ViolationError& e) {
		EXPECT_NE(std::string(e.what()).find("more pages reserved than free"), std::string::npos)
			<< e.what();
	}
}

TEST(HugetlbReservationGuarantee, SigbusOnAReservedAddressIsReported)
{
	check::World w;
	w.reset(config_with("hugetlb_steal_reserved"));
	w.set_check_quiescent(false); // only the access judgement
	try {
		steal_then_reserved_fault(w);
		FAIL() << "no violation";
	} catch (const sim::ViolationError& e) {
		EXPECT_NE(std::string(e.what()).find("although a reservation covers it"), std::string::npos)
			<< e.what();
	}
}

TEST(HugetlbReservationGuarantee, TheCorrectPoolKeepsTheReservedPage)
{
	check::World w;
	w.reset(config_with(nullptr));
	EXPECT_NO_THROW(steal_then_reserved_fault(w));
	EXPECT_EQ(w.meminfo(), counters(1, 0, 0, 0));
}

TEST(HugetlbCounterRelations, AFreePageMissingFromTheCountIsReported)
{
	check::World w;
	w.reset(config_with("hugetlb_enqueue_uncounted"));
	expect_violation([&] { w.set_nr_hugepages(2); }, "the free list holds 2 pages");
}

void shared_fault(check::World& w)
{
	w.set_nr_hugepages(1);
	mm::process* a = w.create_process("A");
	mm::file* f = w.hugetlbfs_create("F", HPAGE_SIZE);
	long x = w.mmap(*a, 0, HPAGE_SIZE, RW, SHARED, f);
	w.load(*a, static_cast<unsigned long>(x));
}

TEST(HugetlbWalkRule, AWalkerWithoutVmaLockOrImmapRwsemIsReported)
{
	check::World w;
	w.reset(config_with("hugetlb_fault_walks_unlocked"));
	try {
		shared_fault(w);
		FAIL() << "no violation";
	} catch (const sim::ViolationError& e) {
		EXPECT_EQ(e.violation.kind, sim::ViolationKind::assertion);
		EXPECT_NE(std::string(e.what()).find("hugetlb_walk()"), std::string::npos) << e.what();
	}
}

TEST(HugetlbWalkRule, TheFaultPathWalksUnderItsVmaLock)
{
	check::World w;
	w.reset(config_with(nullptr));
	EXPECT_NO_THROW(shared_fault(w));
}

} // namespace
