// The memory oracle (oracle.hpp): an abstract address-space specification, checked at every
// user access.
#include "check/oracle.hpp"

#include "mm/pgtable.hpp"

#include <algorithm>
#include <cstdio>

namespace check {

using mm::PAGE_SIZE;
using mm::PAGE_SHIFT;

// ---- Cell ----

void Cell::add(std::uint64_t x)
{
	if (any || allows_exact(x))
		return;
	if (n == kMax) {
		any = true;
		return;
	}
	v[n++] = x;
}

bool Cell::allows_exact(std::uint64_t x) const
{
	for (int i = 0; i < n; ++i)
		if (v[static_cast<std::size_t>(i)] == x)
			return true;
	return false;
}

void Cell::merge(const Cell& o)
{
	any = any || o.any;
	or_file = or_file || o.or_file;
	for (int i = 0; i < o.n; ++i)
		add(o.v[static_cast<std::size_t>(i)]);
}

bool Cell::allows(std::uint64_t x) const
{
	return any || allows_exact(x);
}

std::string Cell::str() const
{
	if (any)
		return "any value";
	std::string s;
	for (int i = 0; i < n; ++i)
		s += (i ? " or " : "") + std::to_string(v[static_cast<std::size_t>(i)]);
	if (or_file)
		s += (n ? " or " : "") + std::string("the file's contents");
	return s.empty() ? "nothing" : s;
}

// ---- Expect ----

void Expect::merge(const Expect& o)
{
	segv = segv || o.segv;
	bus = bus || o.bus;
	dead = dead || o.dead;
	if (o.value_ok) {
		if (value_ok)
			cell.merge(o.cell);
		else
			cell = o.cell;
		value_ok = true;
	}
}

bool Expect::allows(mm::access_result::Kind k) const
{
	switch (k) {
	case mm::access_result::ok:
		return value_ok;
	case mm::access_result::sigsegv:
		return segv;
	case mm::access_result::sigbus:
		return bus;
	case mm::access_result::oom:
		return true; // the model ran out of frames: a configuration limit, not a bug
	case mm::access_result::dead:
		return dead;
	}
	return false;
}

std::string Expect::str() const
{
	std::string s;
	auto add = [&s](const std::string& x) { s += (s.empty() ? "" : ", or ") + x; };
	if (value_ok)
		add("success (value " + cell.str() + ")");
	if (segv)
		add("SIGSEGV");
	if (bus)
		add("SIGBUS");
	if (dead)
		add("no access (process exited)");
	return s.empty() ? "nothing" : s;
}

// ---- cell maps ----

namespace {

Cell* find(Cells& cs, unsigned long key)
{
	auto it = std::lower_bound(cs.begin(), cs.end(), key,
				   [](const auto& e, unsigned long k) { return e.first < k; });
	return (it != cs.end() && it->first == key) ? &it->second : nullptr;
}

void put(Cells& cs, unsigned long key, const Cell& c)
{
	auto it = std::lower_bound(cs.begin(), cs.end(), key,
				   [](const auto& e, unsigned long k) { return e.first < k; });
	if (it != cs.end() && it->first == key)
		it->second = c;
	else
		cs.insert(it, {key, c});
}

void erase_range(Cells& cs, unsigned long lo, unsigned long hi)
{
	std::erase_if(cs, [lo, hi](const auto& e) { return e.first >= lo && e.first < hi; });
}

unsigned long pages(unsigned long bytes)
{
	return mm::round_up(bytes, PAGE_SIZE) >> PAGE_SHIFT;
}

const AbsVma* vma_at(const AbsSpace& s, unsigned long addr)
{
	for (const AbsVma& v : s.vmas)
		if (addr >= v.start && addr < v.end)
			return &v;
	return nullptr;
}

mm::pgoff_t file_index(const AbsVma& v, unsigned long addr)
{
	return v.pgoff + ((addr - v.start) >> PAGE_SHIFT);
}

bool permits(const AbsVma& v, bool write)
{
	return write ? (v.prot & mm::VM_WRITE) != 0
		     : (v.prot & (mm::VM_READ | mm::VM_WRITE | mm::VM_EXEC)) != 0;
}

} // namespace

// ---- AbsSpace, Pending ----

void AbsSpace::clear()
{
	proc = nullptr;
	vmas.clear();
	priv.clear();
	exiting = false;
	commits = 0;
}

void Pending::clear()
{
	kind = Kind::none;
	space = nullptr;
	start = end = 0;
	new_vma = AbsVma{};
	new_start = new_len = 0;
	file = nullptr;
	new_size = 0;
	stores.clear();
	committed = false;
	child_snapshot.clear();
	child = nullptr;
	new_contents.clear();
}

// ---- Oracle ----

void Oracle::punch(std::vector<AbsVma>& vmas, unsigned long lo, unsigned long hi)
{
	std::vector<AbsVma>& out = scratch_vmas_;
	out.clear();
	for (const AbsVma& v : vmas) {
		if (v.end <= lo || v.start >= hi) {
			out.push_back(v);
			continue;
		}
		if (v.start < lo) {
			AbsVma a = v;
			a.end = lo;
			out.push_back(a);
		}
		if (v.end > hi) {
			AbsVma b = v;
			b.pgoff = v.pgoff + ((hi - v.start) >> PAGE_SHIFT);
			b.start = hi;
			out.push_back(b);
		}
	}
	vmas.swap(out); // both buffers stay allocated for the next call
}

namespace {

void insert(std::vector<AbsVma>& vmas, const AbsVma& n)
{
	auto it = std::lower_bound(vmas.begin(), vmas.end(), n.start,
				   [](const AbsVma& v, unsigned long a) { return v.start < a; });
	vmas.insert(it, n);
}

} // namespace

void Oracle::reset()
{
	nspaces_ = 0;
	nfiles_ = 0;
	for (Pending& p : used_pending())
		p.clear();
	npending_ = 0;
}

AbsSpace& Oracle::new_space()
{
	if (nspaces_ == spaces_.size())
		spaces_.emplace_back();
	AbsSpace& s = spaces_[nspaces_++];
	s.clear();
	return s;
}

AbsFile& Oracle::new_file()
{
	if (nfiles_ == files_.size())
		files_.emplace_back();
	AbsFile& f = files_[nfiles_++];
	f.file = nullptr;
	f.size = 0;
	f.pages.clear();
	return f;
}

AbsSpace& Oracle::space_of(const mm::process& p)
{
	for (std::size_t i = 0; i < nspaces_; ++i)
		if (spaces_[i].proc == &p)
			return spaces_[i];
	AbsSpace& s = new_space();
	s.proc = &p;
	return s;
}

AbsFile& Oracle::file_of(const mm::file& f)
{
	for (std::size_t i = 0; i < nfiles_; ++i) {
		AbsFile& af = files_[i];
		if (af.file == &f || (af.file && af.file->f_inode == f.f_inode))
			return af;
	}
	AbsFile& af = new_file();
	af.file = &f;
	af.size = f.f_inode->i_size.peek();
	return af;
}

void Oracle::add_process(const mm::process& p)
{
	space_of(p);
}

void Oracle::add_file(const mm::file& f)
{
	file_of(f);
}

Expect Oracle::expect_committed(AbsSpace& s, unsigned long addr, bool write, bool ignore_prot)
{
	Expect e;
	e.dead = s.exiting;
	const AbsVma* v = vma_at(s, addr);
	if (v == nullptr || (!ignore_prot && !permits(*v, write))) {
		e.segv = true;
		return e;
	}
	if (v->kind == MapKind::anon_private) {
		const Cell* c = find(s.priv, addr);
		e.value_ok = true;
		e.cell = c ? *c : Cell::of(0);
		return e;
	}
	AbsFile& f = file_of(*v->file);
	mm::pgoff_t idx = file_index(*v, addr);
	if (idx >= pages(f.size)) {
		e.bus = true;
		return e;
	}
	const Cell* fc = find(f.pages, idx);
	Cell file_cell = fc ? *fc : Cell::of(0);
	e.value_ok = true;
	if (v->kind == MapKind::file_private) {
		if (const Cell* c = find(s.priv, addr)) {
			e.cell = *c;
			if (e.cell.or_file) {
				e.cell.or_file = false;
				e.cell.merge(file_cell);
			}
			return e;
		}
	}
	e.cell = file_cell;
	if (v->kind == MapKind::file_private && v->hugetlb)
		e.cell.add(0); // the zeroed private page of a fault on a hole
	return e;
}

bool Oracle::affects(const Pending& op, const AbsSpace& s, unsigned long addr) const
{
	if (op.kind == Pending::Kind::none || op.committed)
		return false;
	if (op.kind == Pending::Kind::ftruncate) {
		const AbsVma* v = vma_at(s, addr);
		return v && v->file && v->file->f_inode == op.file->f_inode;
	}
	if (op.kind == Pending::Kind::punch_hole) {
		const AbsVma* v = vma_at(s, addr);
		if (!v || !v->file || v->file->f_inode != op.file->f_inode)
			return false;
		unsigned long off = file_index(*v, addr) << PAGE_SHIFT;
		return off >= op.hole_start && off < op.hole_end;
	}
	if (op.space != &s)
		return false;
	if (addr >= op.start && addr < op.end)
		return true;
	return op.kind == Pending::Kind::mremap && addr >= op.new_start &&
	       addr < op.new_start + op.new_len;
}

Expect Oracle::expect_after(const Pending& op, AbsSpace& s, unsigned long addr, bool write)
{
	Expect e;
	e.dead = s.exiting;
	switch (op.kind) {
	case Pending::Kind::munmap:
		e.segv = true;
		return e;
	case Pending::Kind::mmap: {
		// Between the unmap of the old range and the link of the new VMA: no VMA.
		e.segv = true;
		const AbsVma& v = op.new_vma;
		if (!permits(v, write))
			return e;
		if (v.kind == MapKind::anon_private) {
			e.value_ok = true;
			e.cell = Cell::of(0);
			return e;
		}
		AbsFile& f = file_of(*v.file);
		mm::pgoff_t idx = file_index(v, addr);
		if (idx >= pages(f.size)) {
			e.bus = true;
			return e;
		}
		const Cell* fc = find(f.pages, idx);
		e.value_ok = true;
		e.cell = fc ? *fc : Cell::of(0);
		return e;
	}
	case Pending::Kind::mprotect: {
		const AbsVma* v = vma_at(s, addr);
		if (v == nullptr)
			return expect_committed(s, addr, write);
		AbsVma changed = *v;
		changed.prot = op.new_vma.prot;
		if (!permits(changed, write)) {
			e.segv = true;
			return e;
		}
		// Same contents, judged as if the permission allowed it.
		Expect c = expect_committed(s, addr, write, true);
		if (c.value_ok) {
			e.value_ok = true;
			e.cell = c.cell;
		}
		e.bus = c.bus;
		return e;
	}
	case Pending::Kind::mremap: {
		if (addr >= op.start && addr < op.end) {
			e.segv = true;
			return e;
		}
		// The new range: what the old address held, or fresh memory past the old length.
		e.segv = true;
		unsigned long old_addr = op.start + (addr - op.new_start);
		const AbsVma* v = vma_at(s, op.start);
		if (v == nullptr || !permits(*v, write))
			return e;
		if (old_addr < op.end) {
			Expect c = expect_committed(s, old_addr, write);
			e.merge(c);
			return e;
		}
		if (v->kind == MapKind::anon_private) {
			e.value_ok = true;
			e.cell = Cell::of(0);
			return e;
		}
		e.value_ok = true;
		e.bus = true;
		e.cell.any = true; // file contents past the old end: not tracked
		return e;
	}
	case Pending::Kind::madvise: {
		Expect c = expect_committed(s, addr, write);
		const AbsVma* v = vma_at(s, addr);
		if (v && c.value_ok && v->kind != MapKind::file_shared) {
			if (v->kind == MapKind::anon_private) {
				c.cell = Cell::of(0);
			} else {
				AbsFile& f = file_of(*v->file);
				const Cell* fc = find(f.pages, file_index(*v, addr));
				c.cell = fc ? *fc : Cell::of(0);
			}
		}
		return c;
	}
	case Pending::Kind::ftruncate: {
		const AbsVma* v = vma_at(s, addr);
		if (v && file_index(*v, addr) >= pages(op.new_size)) {
			e.bus = true;
			return e;
		}
		return expect_committed(s, addr, write);
	}
	case Pending::Kind::punch_hole: {
		// The page may be zeroed and unmapped already: zero (a refault) or the old value.
		Expect c = expect_committed(s, addr, write);
		if (c.value_ok)
			c.cell.add(0);
		return c;
	}
	case Pending::Kind::fork:
	case Pending::Kind::exit:
	case Pending::Kind::exec:
	case Pending::Kind::exec_stack:
	case Pending::Kind::none:
		break;
	}
	return expect_committed(s, addr, write);
}

Expect Oracle::expect(const mm::process& p, unsigned long addr, bool write)
{
	AbsSpace& s = space_of(p);
	addr &= mm::PAGE_MASK;
	Expect e = expect_committed(s, addr, write);
	for (const Pending& op : used_pending())
		if (affects(op, s, addr))
			e.merge(expect_after(op, s, addr, write));
	return e;
}

void Oracle::store(AbsSpace& s, unsigned long addr, std::uint64_t value)
{
	const AbsVma* v = vma_at(s, addr);
	if (v == nullptr || !permits(*v, true)) {
		// Allowed only by a pending syscall's new state: mprotect granting write (same
		// contents), or mremap's new range (the page still belongs to the old address
		// until the commit).
		for (const Pending& op : used_pending()) {
			if (op.kind == Pending::Kind::mremap && !op.committed && op.space == &s &&
			    addr >= op.new_start && addr < op.new_start + op.new_len) {
				unsigned long old_addr = op.start + (addr - op.new_start);
				if (old_addr < op.end) {
					store(s, old_addr, value);
					return;
				}
			}
		}
		if (v == nullptr)
			return;
	}
	if (v->kind == MapKind::file_shared) {
		AbsFile& f = file_of(*v->file);
		put(f.pages, file_index(*v, addr), Cell::of(value));
		return;
	}
	put(s.priv, addr, Cell::of(value));
}

std::optional<std::string> Oracle::on_access(const mm::process& p, unsigned long addr,
					     bool write, std::uint64_t value)
{
	AbsSpace& s = space_of(p);
	addr &= mm::PAGE_MASK;
	Expect e = expect(p, addr, write);
	// Formatted only for a report: this runs at every user access.
	const auto where = [&] {
		char buf[96];
		std::snprintf(buf, sizeof buf, "%s of %s at %#lx", write ? "store" : "load",
			      p.name.c_str(), addr);
		return std::string(buf);
	};
	if (!e.value_ok)
		return where() + " succeeded, but the address space allows only " + e.str();
	bool racing = note_racing(s, addr, write, value);
	if (write) {
		store(s, addr, value);
		return std::nullopt;
	}
	if (!e.cell.allows(value))
		return where() + " returned " + std::to_string(value) + ", expected " +
		       e.cell.str();
	// Coherence: once a value was read, later reads see it until the next store. Not while
	// a syscall still decides which state this address is in.
	if (!racing && !e.cell.any && e.cell.n > 1) {
		const AbsVma* v = vma_at(s, addr);
		if (v && v->kind == MapKind::file_shared)
			put(file_of(*v->file).pages, file_index(*v, addr), Cell::of(value));
		else if (v && (v->kind == MapKind::anon_private || find(s.priv, addr)))
			put(s.priv, addr, Cell::of(value));
	}
	return std::nullopt;
}

bool Oracle::note_racing(AbsSpace& s, unsigned long addr, bool write, std::uint64_t value)
{
	bool racing = false;
	for (Pending& op : used_pending()) {
		if (!affects(op, s, addr) && !(op.kind == Pending::Kind::fork && !op.committed &&
					       op.space == &s))
			continue;
		racing = true;
		if (write) {
			// A hole punch judges stores by file page, whoever made them.
			unsigned long key = addr;
			if (op.kind == Pending::Kind::punch_hole)
				if (const AbsVma* v = vma_at(s, addr))
					key = file_index(*v, addr);
			Cell* c = find(op.stores, key);
			if (c)
				c->add(value);
			else
				put(op.stores, key, Cell::of(value));
		}
	}
	return racing;
}

Expect Oracle::contents(const mm::process& p, unsigned long addr)
{
	AbsSpace& s = space_of(p);
	addr &= mm::PAGE_MASK;
	for (const Pending& op : used_pending())
		if (affects(op, s, addr))
			return Expect{};
	return expect_committed(s, addr, false, true);
}

void Oracle::dma_store(const mm::process& p, unsigned long addr, std::uint64_t value)
{
	AbsSpace& s = space_of(p);
	addr &= mm::PAGE_MASK;
	note_racing(s, addr, true, value);
	store(s, addr, value);
}

Pending& Oracle::begin(int cpu, Pending::Kind kind, const mm::process* p)
{
	Pending& op = pending_[static_cast<std::size_t>(cpu)];
	npending_ = std::max(npending_, static_cast<std::size_t>(cpu) + 1);
	op.clear();
	op.kind = kind;
	op.space = p ? &space_of(*p) : nullptr;
	if (kind == Pending::Kind::exit && op.space)
		op.space->exiting = true;
	if (kind == Pending::Kind::fork && op.space)
		op.child_snapshot = op.space->priv;
	return op;
}

void Oracle::commit(int cpu)
{
	Pending& op = pending_[static_cast<std::size_t>(cpu)];
	if (op.kind == Pending::Kind::none || op.committed)
		return;
	apply(op);
	op.committed = true;
	if (op.space)
		++op.space->commits;
}

void Oracle::end(int cpu)
{
	pending_[static_cast<std::size_t>(cpu)].clear();
}

void Oracle::bind_child(int cpu, const mm::process& child)
{
	Pending& op = pending_[static_cast<std::size_t>(cpu)];
	if (op.child == nullptr)
		return;
	op.child->proc = &child;
	op.child = nullptr;
}

void Oracle::apply(Pending& op)
{
	AbsSpace* s = op.space;
	switch (op.kind) {
	case Pending::Kind::mmap:
		punch(s->vmas, op.new_vma.start, op.new_vma.end);
		erase_range(s->priv, op.new_vma.start, op.new_vma.end);
		insert(s->vmas, op.new_vma);
		break;
	case Pending::Kind::munmap:
		punch(s->vmas, op.start, op.end);
		erase_range(s->priv, op.start, op.end);
		break;
	case Pending::Kind::mprotect: {
		std::vector<AbsVma>& inside = inside_;
		inside.clear();
		for (const AbsVma& v : s->vmas) {
			if (v.end <= op.start || v.start >= op.end)
				continue;
			AbsVma c = v;
			if (c.start < op.start) {
				c.pgoff += (op.start - c.start) >> PAGE_SHIFT;
				c.start = op.start;
			}
			c.end = std::min(c.end, op.end);
			c.prot = op.new_vma.prot;
			inside.push_back(c);
		}
		punch(s->vmas, op.start, op.end);
		for (const AbsVma& c : inside)
			insert(s->vmas, c);
		break;
	}
	case Pending::Kind::mremap: {
		const AbsVma* v = vma_at(*s, op.start);
		if (v == nullptr)
			break;
		AbsVma n = *v;
		n.pgoff = v->pgoff + ((op.start - v->start) >> PAGE_SHIFT);
		n.start = op.new_start;
		n.end = op.new_start + op.new_len;
		Cells& moved = scratch_cells_;
		moved.clear();
		for (const auto& [a, c] : s->priv)
			if (a >= op.start && a < op.end && a - op.start < op.new_len)
				moved.push_back({a - op.start + op.new_start, c});
		if (op.new_start == op.start) {
			// Resized in place: the VMA keeps its start; only its end moves.
			if (op.new_len < op.end - op.start) {
				punch(s->vmas, op.start + op.new_len, op.end);
				erase_range(s->priv, op.start + op.new_len, op.end);
			} else {
				punch(s->vmas, op.start, op.end);
				insert(s->vmas, n);
			}
			break;
		}
		punch(s->vmas, op.start, op.end);
		erase_range(s->priv, op.start, op.end);
		punch(s->vmas, n.start, n.end);
		erase_range(s->priv, n.start, n.end);
		insert(s->vmas, n);
		for (const auto& [a, c] : moved)
			put(s->priv, a, c);
		break;
	}
	case Pending::Kind::madvise: {
		Cells& keep = scratch_cells_;
		keep.clear();
		for (const auto& [a, c] : s->priv) {
			if (a < op.start || a >= op.end) {
				keep.push_back({a, c});
				continue;
			}
			const AbsVma* v = vma_at(*s, a);
			const Cell* raced = find(op.stores, a);
			if (v && v->kind == MapKind::anon_private) {
				Cell n = Cell::of(0);
				if (raced)
					n.merge(*raced);
				keep.push_back({a, n});
			} else if (raced) {
				Cell n = *raced;
				n.or_file = true;
				keep.push_back({a, n});
			}
		}
		s->priv.swap(keep);
		break;
	}
	case Pending::Kind::fork: {
		// Not visible as anyone's space until bind_child() names its process.
		AbsSpace& child = new_space();
		child.vmas = s->vmas;
		if (op.stores.empty()) {
			child.priv = s->priv;
		} else {
			// The parent's contents at the start of fork, or anything it stored while the
			// copy was in progress (through a TLB entry not yet write-protected).
			child.priv = op.child_snapshot;
			for (const auto& [a, c] : op.stores) {
				Cell* cc = find(child.priv, a);
				if (cc) {
					cc->merge(c);
				} else {
					Cell n = c;
					const AbsVma* v = vma_at(*s, a);
					if (v && v->kind == MapKind::anon_private)
						n.add(0);
					else
						n.or_file = true;
					put(child.priv, a, n);
				}
			}
		}
		op.child = &child;
		break;
	}
	case Pending::Kind::ftruncate: {
		AbsFile& f = file_of(*op.file);
		f.size = op.new_size;
		std::erase_if(f.pages,
			      [&](const auto& e) { return e.first >= pages(op.new_size); });
		for (std::size_t i = 0; i < nspaces_; ++i) {
			AbsSpace& sp = spaces_[i];
			if (sp.proc == nullptr)
				continue; // a fork child not yet bound: it got the pre-truncate state
			std::erase_if(sp.priv, [&](const auto& e) {
				const AbsVma* v = vma_at(sp, e.first);
				return v && v->file && v->file->f_inode == op.file->f_inode &&
				       file_index(*v, e.first) >= pages(op.new_size);
			});
		}
		break;
	}
	case Pending::Kind::exec:
		s->vmas = {op.new_vma};
		s->priv = op.new_contents;
		break;
	case Pending::Kind::exec_stack: {
		Cells moved;
		for (const auto& [a, c] : s->priv)
			if (a >= op.start && a < op.end)
				moved.push_back({a - op.start + op.new_start, c});
		punch(s->vmas, op.start, op.end);
		erase_range(s->priv, op.start, op.end);
		insert(s->vmas, op.new_vma);
		for (const auto& [a, c] : moved)
			put(s->priv, a, c);
		break;
	}
	case Pending::Kind::punch_hole: {
		// The file's words in the hole read zero; whole huge pages are also unmapped from
		// every VMA, private copies included (hugetlb_vmdelete_list()).
		// A store that raced with the punch may have landed before the page went (lost)
		// or in a page faulted in after (kept).
		AbsFile& f = file_of(*op.file);
		Cells keep;
		for (const auto& [index, c] : f.pages) {
			unsigned long off = index << PAGE_SHIFT;
			if (off < op.hole_start || off >= op.hole_end) {
				keep.push_back({index, c});
			} else if (const Cell* raced = find(op.stores, index)) {
				Cell n = Cell::of(0);
				n.merge(*raced);
				keep.push_back({index, n});
			}
		}
		f.pages = std::move(keep);
		for (AbsSpace& sp : spaces_) {
			Cells pkeep;
			for (const auto& [a, c] : sp.priv) {
				const AbsVma* v = vma_at(sp, a);
				unsigned long off = v && v->file ? file_index(*v, a) << PAGE_SHIFT : 0;
				if (!v || !v->file || v->file->f_inode != op.file->f_inode ||
				    off < op.whole_start || off >= op.whole_end) {
					pkeep.push_back({a, c});
				} else if (find(op.stores, file_index(*v, a)) != nullptr) {
					Cell n = c;
					n.or_file = true;
					pkeep.push_back({a, n});
				}
			}
			sp.priv = std::move(pkeep);
		}
		break;
	}
	case Pending::Kind::exit:
	case Pending::Kind::none:
		break;
	}
}

const AbsVma* Oracle::vma_of(const mm::process& p, unsigned long addr)
{
	return vma_at(space_of(p), addr & mm::PAGE_MASK);
}

void Oracle::sync_file_size(const mm::file& f)
{
	file_of(f).size = f.f_inode->i_size.peek();
}

} // namespace check
