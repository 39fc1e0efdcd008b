// User loads and stores: the CPU's MMU and the page-fault entry. Models the x86 hardware page
// walk with its TLB and paging-structure cache, and arch/x86/mm/fault.c do_user_addr_fault
// (v6.x, lock_mm_and_find_vma + access_error + handle_mm_fault).
//
// One user access is one instruction: translation (TLB hit, or a hardware walk that fills the
// TLB) and the data access form a single step. That is what makes a TLB-flush IPI, which is
// taken between instructions, a barrier against walks in flight; and a stale TLB entry used
// after the flush "completed" on a CPU that it missed is then exactly a use of freed memory.
//
// Differences: no accessed/dirty bit updates by the walker; no stack expansion
// (VM_GROWSDOWN faults below the VMA are SIGSEGV); one data word per 4 KiB page.
#include "mm/internal.hpp"

#include "sim/engine.hpp"
#include "sim/frame.hpp"

#include <cstdio>

namespace mm {
namespace {

struct Translation {
	pfn_t pfn = 0;
	bool writable = false;
	bool from_tlb = false;
	pfn_t head_pfn = 0;    // from_tlb: the frame the entry was filled for
	std::uint32_t gen = 0; // from_tlb: that frame's generation at fill time
};

tlb_entry leaf(const mm_struct* mm, unsigned long va, unsigned long size, const page* head,
	       bool writable)
{
	return {.mm = mm, .va = va, .size = size, .pfn = head->pfn, .table = nullptr,
		.gen = head->gen, .writable = writable, .pde = false, .valid = true};
}

void check_table(const ptdesc* pt, int cpu)
{
	if (pt->lt.live()) [[likely]]
		return;
	char what[64];
	std::snprintf(what, sizeof what, "hardware page walk on CPU %d", cpu);
	sim::lifetime_check(pt->lt, &pt->lt, what);
}

// A cached translation into a frame that was freed and handed out again: the access lands in
// somebody else's memory. The flush that should have dropped the entry missed this CPU.
[[noreturn]] void stale_reuse(const char* via, int cpu, pfn_t pfn, const char* what)
{
	sim::raise(sim::ViolationKind::use_after_free,
		   std::string(via) + " on CPU " + std::to_string(cpu) + " used a stale TLB entry for " +
			   what + " pfn " + std::to_string(pfn) +
			   ", which was freed and reallocated since the entry was filled",
		   {"every CPU that may cache a translation must be flushed before its target is "
		    "freed (tlb_finish_mmu: flush, then free)"});
}

// The hardware walk (x86 4-level, PSE leaves at PMD and PUD level). Reads each level once,
// caches what it found, and reports whether a user-accessible leaf maps addr. Not a scheduling
// point of its own: it is part of the access's step.
bool hw_walk(Kernel& k, mm_struct* mm, int cpu, unsigned long addr, Translation& t)
{
	cpu_tlb& tlb = k.tlb(cpu);
	Pgtables& pts = k.pgtables();
	ptdesc* ptetab = nullptr;
	// switch_mm() put this CPU in mm_cpumask before it could cache anything of mm.
	mm->cpumask.init(mm->cpumask.peek() | (sim::TaskMask(1) << cpu));
	if (const tlb_entry* pde = tlb.lookup_pde(mm, addr)) {
		// Paging-structure cache: the upper levels are not read again.
		ptetab = pde->table;
		check_table(ptetab, cpu);
		if (ptetab->frame->gen != pde->gen)
			stale_reuse("the hardware page walk", cpu, ptetab->frame->pfn, "PTE table");
	} else {
		check_table(mm->pgd, cpu);
		pteval_t v = mm->pgd->entries[static_cast<std::size_t>(pgd_index(addr))].peek();
		if (!pte_present(v))
			return false;
		ptdesc* pud = entry_table(pts, v);
		check_table(pud, cpu);
		v = pud->entries[static_cast<std::size_t>(pud_index(addr))].peek();
		if (!pte_present(v) || !(v & _PAGE_USER))
			return false;
		if (pte_huge(v)) {
			t.pfn = pte_pfn(v) + ((addr & ~PUD_MASK) >> PAGE_SHIFT);
			t.writable = pte_write(v);
			tlb.insert(leaf(mm, addr & PUD_MASK, PUD_SIZE, k.phys().pfn_to_page(pte_pfn(v)),
					t.writable));
			return true;
		}
		ptdesc* pmd = entry_table(pts, v);
		check_table(pmd, cpu);
		v = pmd->entries[static_cast<std::size_t>(pmd_index(addr))].peek();
		if (!pte_present(v) || !(v & _PAGE_USER))
			return false;
		if (pte_huge(v)) {
			t.pfn = pte_pfn(v) + ((addr & ~PMD_MASK) >> PAGE_SHIFT);
			t.writable = pte_write(v);
			tlb.insert(leaf(mm, addr & PMD_MASK, PMD_SIZE, k.phys().pfn_to_page(pte_pfn(v)),
					t.writable));
			return true;
		}
		ptetab = entry_table(pts, v);
		tlb.insert({.mm = mm, .va = addr & PMD_MASK, .size = PMD_SIZE, .pfn = 0,
			    .table = ptetab, .gen = ptetab->frame->gen, .writable = false, .pde = true,
			    .valid = true});
	}
	check_table(ptetab, cpu);
	pteval_t v = ptetab->entries[static_cast<std::size_t>(pte_index(addr))].peek();
	if (!pte_present(v) || !(v & _PAGE_USER))
		return false;
	t.pfn = pte_pfn(v);
	t.writable = pte_write(v);
	tlb.insert(leaf(mm, addr & PAGE_MASK, PAGE_SIZE, k.phys().pfn_to_page(t.pfn), t.writable));
	return true;
}

bool translate(Kernel& k, mm_struct* mm, int cpu, unsigned long addr, Translation& t)
{
	if (const tlb_entry* e = k.tlb(cpu).lookup_leaf(mm, addr)) {
		t.pfn = e->pfn + ((addr - e->va) >> PAGE_SHIFT);
		t.writable = e->writable;
		t.from_tlb = true;
		t.head_pfn = e->pfn;
		t.gen = e->gen;
		return true;
	}
	return hw_walk(k, mm, cpu, addr, t);
}

void note_access(unsigned long addr, const Translation& t, bool write, std::uint64_t value)
{
	if (!sim::tracing())
		return;
	char buf[96];
	std::snprintf(buf, sizeof buf, "%s %#lx -> pfn %llu%s: %llu", write ? "store" : "load", addr,
		      static_cast<unsigned long long>(t.pfn), t.from_tlb ? " (TLB)" : "",
		      static_cast<unsigned long long>(value));
	sim::trace_note(buf);
}

access_result user_access(Kernel& k, process& p, unsigned long addr, bool write,
			  std::uint64_t value)
{
	access_result r;
	if (addr >= TASK_SIZE) {
		++p.sigsegv;
		r.kind = access_result::sigsegv;
		return r;
	}
	mm_struct* mm = p.mm;
	// A thread of the process holds the mm while it runs in it.
	if (p.exited || !mmget_not_zero(mm)) {
		r.kind = access_result::dead;
		return r;
	}
	const int cpu = k.this_cpu();
	addr &= PAGE_MASK;
	for (;;) {
		// The instruction: translate and access in one step.
		sim::point(write ? sim::Op::user_store : sim::Op::user_load, sim::WaitKind::none, mm,
			   addr);
		Translation t;
		if (translate(k, mm, cpu, addr, t) && (!write || t.writable)) {
			page* pg = k.phys().pfn_to_page(t.pfn);
			if (t.from_tlb && k.phys().pfn_to_page(t.head_pfn)->gen != t.gen)
				stale_reuse(write ? "a user store" : "a user load", cpu, t.pfn, "page");
			// A folio's lifetime is its head's (a hugetlb pool page is freed as a whole).
			if (!pg->head->lt.live()) {
				char what[64];
				std::snprintf(what, sizeof what, "user %s through %s of CPU %d",
					      write ? "store" : "load",
					      t.from_tlb ? "a TLB entry" : "the page tables", cpu);
				sim::lifetime_check(pg->head->lt, pg, what);
			}
			if (write)
				pg->data.init(value);
			else
				r.value = pg->data.peek();
			note_access(addr, t, write, write ? value : r.value);
			if (AccessObserver* o = k.observer())
				o->on_user_access(p, cpu, addr, write, write ? value : r.value);
			break;
		}
		// x86 drops the faulting address's translations before the handler runs.
		k.tlb(cpu).invalidate(mm, addr, addr + PAGE_SIZE);
		bool bad_area = false;
		vm_fault_t f = do_user_addr_fault(mm, addr, write, &bad_area);
		if (bad_area || (f & VM_FAULT_SIGSEGV)) {
			++p.sigsegv;
			r.kind = access_result::sigsegv;
			break;
		}
		if (f & VM_FAULT_OOM) {
			r.kind = access_result::oom;
			break;
		}
		if (f & (VM_FAULT_SIGBUS | VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE)) {
			++p.sigbus;
			r.kind = access_result::sigbus;
			break;
		}
		// Handled (or raced with another fault): retry the instruction.
	}
	mmput(mm);
	return r;
}

} // namespace

// do_user_addr_fault(). Context: user context, no locks held; takes mmap_lock for read.
// Returns: the fault result; *bad_area when there is no VMA or it forbids the access.
// Differences: no per-VMA lock fast path, no stack expansion, no retry with the lock dropped.
vm_fault_t do_user_addr_fault(mm_struct* mm, unsigned long addr, bool write, bool* bad_area)
{
	MM_FRAME("do_user_addr_fault");
	mm->mmap_lock.down_read();
	vm_area_struct* vma = find_vma(mm, addr);
	if (vma == nullptr || vma->start() > addr) {
		mm->mmap_lock.up_read();
		*bad_area = true;
		return 0;
	}
	// access_error()
	unsigned long fl = vma->flags();
	bool denied = write ? !(fl & VM_WRITE) : !(fl & (VM_READ | VM_WRITE | VM_EXEC));
	if (denied) {
		mm->mmap_lock.up_read();
		*bad_area = true;
		return 0;
	}
	vm_fault_t r = handle_mm_fault(vma, addr, (write ? FAULT_FLAG_WRITE : 0) | FAULT_FLAG_USER);
	mm->mmap_lock.up_read();
	return r;
}

access_result Kernel::user_load(process& p, unsigned long addr)
{
	MM_FRAME("user_load");
	return user_access(*this, p, addr, false, 0);
}

access_result Kernel::user_store(process& p, unsigned long addr, std::uint64_t value)
{
	MM_FRAME("user_store");
	return user_access(*this, p, addr, true, value);
}

} // namespace mm
