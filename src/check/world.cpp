// World (world.hpp): every operation tells the oracle what is about to happen, runs the
// kernel's syscall, and lets the commit callback linearise it.
#include "check/world.hpp"
#include "mm/hex.hpp"

#include "check/memory_failure_check.hpp"
#include "mm/memory_failure.hpp"

#include "check/hugetlb_oracle.hpp"
#include "mm/hugetlb.hpp"

#include "mm/pgtable.hpp"
#include "sim/engine.hpp"
#include "sim/frame.hpp"

#include <cstdio>

namespace check {
namespace {

using Kind = Pending::Kind;
using mm::hex;

[[noreturn]] void memory_violation(const std::string& what)
{
	sim::raise(sim::ViolationKind::invariant, "user memory does not behave like memory: " + what);
}

MapKind kind_of(int flags, const mm::file* f)
{
	if (flags & mm::MAP_SHARED)
		return MapKind::file_shared; // shared anon memory is a shmem file
	return f ? MapKind::file_private : MapKind::anon_private;
}

} // namespace

World::World()
{
	k_.set_observer(this);
	inv_.set_extra_refs([this](const mm::folio* f) { return pins_.refs(f) + poison_refs(k_, f); });
}

void World::reset(const mm::Config& cfg)
{
	k_.reset(cfg);
	k_.set_observer(this);
	oracle_.reset();
	pins_.reset();
	active_ = 0;
}

void World::end_op()
{
	if (--active_ == 0 && check_quiescent_)
		check_invariants();
}

mm::process* World::create_process(std::string_view name)
{
	begin_op();
	mm::process* p = k_.create_process(name);
	if (p)
		oracle_.add_process(*p);
	end_op();
	return p;
}

mm::file* World::create_file(std::string_view name, unsigned long size)
{
	begin_op();
	mm::file* f = k_.create_file(name, size);
	oracle_.add_file(*f);
	end_op();
	return f;
}

long World::mmap(mm::process& p, unsigned long addr, unsigned long len, int prot, int flags,
		 mm::file* f, unsigned long off)
{
	begin_op();
	Pending& op = oracle_.begin(cpu(), Kind::mmap, &p);
	op.new_vma.prot = mm::calc_vm_prot_bits(prot);
	op.new_vma.kind = kind_of(flags, f);
	op.new_vma.pgoff = off >> mm::PAGE_SHIFT;
	op.new_vma.file = f;
	op.new_vma.hugetlb = (flags & mm::MAP_HUGETLB) || mm::is_file_hugepages(f);
	if (flags & mm::MAP_FIXED) {
		op.start = addr;
		op.end = addr + mm::round_up(len, mm::PAGE_SIZE);
	}
	op.new_len = mm::round_up(len, mm::PAGE_SIZE);
	long r = k_.sys_mmap(p, addr, len, prot, flags, f, off);
	oracle_.end(cpu());
	end_op();
	return r;
}

int World::munmap(mm::process& p, unsigned long addr, unsigned long len)
{
	begin_op();
	Pending& op = oracle_.begin(cpu(), Kind::munmap, &p);
	op.start = addr;
	op.end = addr + mm::round_up(len, mm::PAGE_SIZE);
	int r = k_.sys_munmap(p, addr, len);
	oracle_.end(cpu());
	end_op();
	return r;
}

int World::mprotect(mm::process& p, unsigned long addr, unsigned long len, int prot)
{
	begin_op();
	Pending& op = oracle_.begin(cpu(), Kind::mprotect, &p);
	op.start = addr;
	op.end = addr + mm::round_up(len, mm::PAGE_SIZE);
	op.new_vma.prot = mm::calc_vm_prot_bits(prot);
	int r = k_.sys_mprotect(p, addr, len, prot);
	oracle_.end(cpu());
	end_op();
	return r;
}

long World::mremap(mm::process& p, unsigned long addr, unsigned long old_len,
		   unsigned long new_len, int flags, unsigned long new_addr)
{
	begin_op();
	Pending& op = oracle_.begin(cpu(), Kind::mremap, &p);
	op.start = addr;
	op.end = addr + mm::round_up(old_len, mm::PAGE_SIZE);
	op.new_len = mm::round_up(new_len, mm::PAGE_SIZE);
	// The destination is known only at the commit (the kernel may pick it); until then an
	// access to the fixed destination is judged against both states.
	op.new_start = (flags & mm::MREMAP_FIXED) ? new_addr : addr;
	long r = k_.sys_mremap(p, addr, old_len, new_len, flags, new_addr);
	oracle_.end(cpu());
	end_op();
	return r;
}

int World::madvise(mm::process& p, unsigned long addr, unsigned long len, int advice)
{
	if (advice == mm::MADV_SOFT_OFFLINE || advice == mm::MADV_HWPOISON)
		return inject_error(p, addr, len, advice); // issue #8
	begin_op();
	Pending& op = oracle_.begin(cpu(), Kind::madvise, &p);
	op.start = addr;
	op.end = addr + mm::round_up(len, mm::PAGE_SIZE);
	int r = k_.sys_madvise(p, addr, len, advice);
	oracle_.end(cpu());
	end_op();
	return r;
}

mm::process* World::fork(mm::process& parent, std::string_view child_name)
{
	begin_op();
	oracle_.begin(cpu(), Kind::fork, &parent);
	mm::process* c = k_.sys_fork(parent, child_name);
	if (c)
		oracle_.bind_child(cpu(), *c);
	oracle_.end(cpu());
	end_op();
	return c;
}

void World::exit(mm::process& p)
{
	begin_op();
	oracle_.begin(cpu(), Kind::exit, &p);
	k_.sys_exit(p);
	oracle_.end(cpu());
	end_op();
}

int World::ftruncate(mm::file& f, unsigned long size)
{
	begin_op();
	Pending& op = oracle_.begin(cpu(), Kind::ftruncate, nullptr);
	op.file = &f;
	op.new_size = size;
	int r = k_.sys_ftruncate(&f, size);
	oracle_.end(cpu());
	end_op();
	return r;
}

mm::access_result World::load(mm::process& p, unsigned long addr)
{
	begin_op();
	Expect before = oracle_.expect(p, addr, false);
	std::uint64_t commits = oracle_.commits(p);
	bool may_fail = hugetlb_fault_may_fail(k_, p, addr);
	mm::access_result r = k_.user_load(p, addr);
	check_fault(p, addr, false, before, commits, r, may_fail);
	end_op();
	return r;
}

mm::access_result World::store(mm::process& p, unsigned long addr, std::uint64_t value)
{
	begin_op();
	Expect before = oracle_.expect(p, addr, true);
	std::uint64_t commits = oracle_.commits(p);
	bool may_fail = hugetlb_fault_may_fail(k_, p, addr);
	mm::access_result r = k_.user_store(p, addr, value);
	check_fault(p, addr, true, before, commits, r, may_fail);
	end_op();
	return r;
}

void World::check_fault(mm::process& p, unsigned long addr, bool write, const Expect& before,
			std::uint64_t commits_before, mm::access_result r, bool may_fail_before)
{
	if (r.kind == mm::access_result::ok)
		return; // judged at its step by on_user_access
	// The fault was decided somewhere between the start and now: judge it against both
	// ends; with more than one commit in between, the state it saw is not known.
	std::uint64_t commits = oracle_.commits(p) - commits_before;
	if (commits > 1)
		return;
	Expect e = before;
	e.merge(oracle_.expect(p, addr, write));
	if (r.kind == mm::access_result::sigbus) { // issue #8: races.md §3 item 17
		bool hard = false;
		if (auto why = poison_sigbus(k_, p, addr, &hard))
			sim::raise(sim::ViolationKind::invariant, *why,
				   {"soft offline never kills a process (races.md §3 item 17)"});
		if (hard && in_hugetlb_vma(p, addr))
			return; // hard offline may break reservations and loses data
	}
	if (r.kind == mm::access_result::sigbus && !e.allows(r.kind)) {
		// hugetlb: SIGBUS is legitimate only for a fault that needed a page no reservation
		// covers (at its start or its end); otherwise the reservation guarantee broke.
		if (may_fail_before || hugetlb_fault_may_fail(k_, p, addr))
			return;
		if (const AbsVma* v = oracle_.vma_of(p, addr); v != nullptr && v->hugetlb)
			sim::raise(sim::ViolationKind::invariant,
				   std::string(write ? "store" : "load") + " of " + p.name + " at " +
					   hex(addr) + " got SIGBUS although a reservation covers it",
				   {"a fault covered by an unconsumed reservation never fails for lack of "
				    "pages (races.md §3 item 15)"});
	}
	if (!e.allows(r.kind))
		memory_violation(std::string(write ? "store" : "load") + " of " + p.name + " at " +
				 hex(addr) + " got " + mm::access_kind_name(r.kind) + ", expected " +
				 e.str());
}

void World::on_user_access(const mm::process& p, int, unsigned long addr, bool write,
			   std::uint64_t value)
{
	if (auto why = oracle_.on_access(p, addr, write, value))
		memory_violation(*why);
}

void World::on_commit(int cpu_id, long result)
{
	Pending* op = oracle_.pending(cpu_id);
	if (op == nullptr || result < 0)
		return; // a failed syscall leaves the state as it was
	if (op->kind == Kind::mmap) {
		op->new_vma.start = static_cast<unsigned long>(result);
		op->new_vma.end = op->new_vma.start + op->new_len;
		if (op->new_vma.file == nullptr && op->new_vma.kind == MapKind::file_shared) {
			// Shared anonymous memory: the shmem file the kernel just made for it.
			const mm::vm_area_struct* v = nullptr;
			for (const mm::vm_area_struct* x : op->space->proc->mm->mmap)
				if (x->start() == op->new_vma.start)
					v = x;
			if (v != nullptr && v->vm_file != nullptr) {
				op->new_vma.file = v->vm_file;
				oracle_.add_file(*v->vm_file);
			}
		}
	}
	if (op->kind == Kind::mremap) {
		op->new_start = static_cast<unsigned long>(result);
	}
	pins_.on_commit(*op);
	oracle_.commit(cpu_id);
	// hugetlbfs_file_mmap() of a writable mapping may have grown the file.
	if (op->kind == Kind::mmap && op->new_vma.hugetlb && op->new_vma.file != nullptr)
		oracle_.sync_file_size(*op->new_vma.file);
}

void World::check_invariants()
{
	MM_FRAME("check_invariants");
	inv_.check(k_);
	pins_.check_coherence(k_);
}

} // namespace check
