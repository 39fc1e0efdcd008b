// lockdep's dependency graph over (class, subclass) pairs. An edge A -> B means some task took
// B while holding A. Adding B -> A when A already reaches B closes a cycle: an inversion that
// some schedule can turn into a deadlock, reported even though this one did not deadlock.
#include "sim/lockdep.hpp"

#include "sim/engine.hpp"
#include "sim/frame.hpp"

namespace sim {
namespace {

std::string stack_of(const Task& t)
{
	std::string s;
	for (const Frame* f = t.frames; f; f = f->up) {
		if (!s.empty())
			s += " < ";
		s += f->name;
	}
	return s.empty() ? std::string("(no frame)") : s;
}

std::uint64_t edge_key(int a, int b)
{
	return (static_cast<std::uint64_t>(a) << 32) | static_cast<std::uint32_t>(b);
}

} // namespace

void Lockdep::reset()
{
	ids_.clear();
	names_.clear();
	cap_ = 0;
	adj_.clear();
	evidence_.clear();
}

int Lockdep::class_id(const LockClass* c, int subclass)
{
	auto key = reinterpret_cast<std::uintptr_t>(c) ^ static_cast<std::uintptr_t>(subclass);
	auto [it, fresh] = ids_.try_emplace(key, static_cast<int>(names_.size()));
	if (fresh) {
		std::string n = c->name;
		if (subclass != 0)
			n += "/" + std::to_string(subclass);
		names_.push_back(std::move(n));
		if (names_.size() > cap_)
			grow();
	}
	return it->second;
}

void Lockdep::grow()
{
	std::size_t ncap = cap_ ? cap_ * 2 : 32;
	std::vector<std::uint8_t> nadj(ncap * ncap, 0);
	for (std::size_t a = 0; a < cap_; ++a)
		for (std::size_t b = 0; b < cap_; ++b)
			nadj[a * ncap + b] = adj_[a * cap_ + b];
	adj_ = std::move(nadj);
	cap_ = ncap;
}

bool Lockdep::reaches(int from, int to) const
{
	std::vector<std::uint8_t> seen(names_.size(), 0);
	std::vector<int> stack{from};
	while (!stack.empty()) {
		int n = stack.back();
		stack.pop_back();
		if (n == to)
			return true;
		if (seen[static_cast<std::size_t>(n)])
			continue;
		seen[static_cast<std::size_t>(n)] = 1;
		for (std::size_t m = 0; m < names_.size(); ++m)
			if (adj_[idx(n, static_cast<int>(m))])
				stack.push_back(static_cast<int>(m));
	}
	return false;
}

namespace {

// The nestings that document `a` outside `b`, as "a -> x (f) -> b (g)" (breadth first: the
// shortest path). Only called to explain a report.
std::string documented_path(const LockOrder& o, int a, int b)
{
	std::vector<int> from(static_cast<std::size_t>(o.n), -2);
	std::vector<const char*> via(static_cast<std::size_t>(o.n), nullptr);
	std::vector<int> queue{a};
	from[static_cast<std::size_t>(a)] = -1;
	for (std::size_t q = 0; q < queue.size(); ++q) {
		int x = queue[q];
		for (int i = 0; i < o.nedges; ++i) {
			const LockOrder::Edge& ed = o.edges[i];
			if (ed.outer != x || from[static_cast<std::size_t>(ed.inner)] != -2)
				continue;
			from[static_cast<std::size_t>(ed.inner)] = x;
			via[static_cast<std::size_t>(ed.inner)] = ed.where;
			queue.push_back(ed.inner);
		}
	}
	std::string path;
	for (int x = b; x != a && x >= 0; x = from[static_cast<std::size_t>(x)])
		path = std::string(" -> ") + o.names[x] + " (" + via[static_cast<std::size_t>(x)] + ")" + path;
	return o.names[a] + path;
}

} // namespace

void Lockdep::check_documented(Engine& e, const Task& t, const HeldLock& h, const LockBase& l)
{
	const LockClass* held = h.lock->cls;
	const LockClass* taken = l.cls;
	if (taken->order == nullptr || held->order != taken->order)
		return;
	const LockOrder& o = *taken->order;
	if (!o.documented_before(taken->doc, held->doc))
		return;
	Violation v = e.make_violation(
		ViolationKind::lock_order,
		"lock order violation: " + t.name + " takes " + taken->name + " while holding " +
			held->name + ", against the documented order (" + o.source + ")");
	v.detail.push_back("this order: " + t.name + " holds " + held->name + " (taken in " +
			   (h.where ? h.where : "?") + ") and takes " + taken->name + " in " + stack_of(t));
	v.detail.push_back("documented: " + documented_path(o, taken->doc, held->doc));
	v.detail.push_back("a CPU taking them in the documented order can deadlock with this one");
	e.fail(std::move(v));
}

int Lockdep::check_acquire(Engine& e, const Task& t, const LockBase& l, int subclass,
			   const LockBase* nest)
{
	if (l.cls == nullptr)
		return -1;
	if (l.cls->irq_safe && !t.irq_off) {
		Violation v = e.make_violation(
			ViolationKind::irq_unsafe_lock,
			std::string("IRQ-safe lock ") + l.cls->name +
				" taken with IRQs enabled: an interrupt on this CPU taking it deadlocks");
		v.detail.push_back(t.name + " in " + stack_of(t));
		e.fail(std::move(v));
	}
	int nid = class_id(l.cls, subclass);
	bool nest_held = false;
	for (int i = 0; i < t.nheld; ++i)
		nest_held |= nest && t.held[static_cast<std::size_t>(i)].lock == nest;

	for (int i = 0; i < t.nheld; ++i) {
		const HeldLock& h = t.held[static_cast<std::size_t>(i)];
		if (h.lock->cls == nullptr)
			continue;
		// The id was found when h was taken (a trylock's was not: look it up).
		int hid = h.class_id >= 0 ? h.class_id : class_id(h.lock->cls, h.subclass);
		if (hid == nid) {
			// Same class twice: fine only under a held nest lock (spin_lock_nest_lock).
			if (nest_held && h.lock != &l)
				continue;
			Violation v = e.make_violation(
				ViolationKind::recursive_locking,
				"possible recursive locking: " + t.name + " takes " + names_[static_cast<std::size_t>(nid)] +
					" while already holding " +
					(h.lock == &l ? std::string("it") : std::string("another lock of that class")));
			v.detail.push_back(std::string("held since ") + (h.where ? h.where : "?"));
			v.detail.push_back("taking again in " + stack_of(t));
			e.fail(std::move(v));
		}
		if (hid != nid)
			check_documented(e, t, h, l);
		if (has_edge(hid, nid))
			continue;
		if (reaches(nid, hid)) {
			Violation v = e.make_violation(
				ViolationKind::lock_order,
				"possible circular locking dependency: " + t.name + " takes " +
					names_[static_cast<std::size_t>(nid)] + " while holding " +
					names_[static_cast<std::size_t>(hid)] + ", the reverse of an order seen before");
			v.detail.push_back("this order: " + t.name + " holds " + names_[static_cast<std::size_t>(hid)] +
					   " (taken in " + (h.where ? h.where : "?") + ") and takes " +
					   names_[static_cast<std::size_t>(nid)] + " in " + stack_of(t));
			auto ev = evidence_.find(edge_key(nid, hid));
			if (ev != evidence_.end())
				v.detail.push_back("earlier order: " + ev->second);
			else
				v.detail.push_back("earlier order: " + names_[static_cast<std::size_t>(nid)] + " before " +
						   names_[static_cast<std::size_t>(hid)] + " through other locks");
			v.detail.push_back("one CPU in each order can deadlock");
			e.fail(std::move(v));
		}
		adj_[idx(hid, nid)] = 1;
		evidence_.emplace(edge_key(hid, nid),
				  t.name + " held " + names_[static_cast<std::size_t>(hid)] + " (taken in " +
					  (h.where ? h.where : "?") + ") and took " +
					  names_[static_cast<std::size_t>(nid)] + " in " + stack_of(t) +
					  " (schedule #" + std::to_string(schedule_) + ")");
	}
	return nid;
}

} // namespace sim
