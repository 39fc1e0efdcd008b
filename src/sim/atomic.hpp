// Atomic<T>: a shared word whose every access is a scheduling point. The kernel-style
// operations (READ_ONCE/WRITE_ONCE, xchg, cmpxchg, atomic_*_return, *_and_test, add_unless)
// are each one indivisible step under sequential consistency.
#pragma once

#include "sim/engine.hpp"

#include <type_traits>

namespace sim {

template <class T> class Atomic {
	static_assert(std::is_trivially_copyable_v<T>, "Atomic<T> needs a plain value type");

public:
	constexpr Atomic() = default;
	constexpr explicit Atomic(T v) : v_(v) {}
	Atomic(const Atomic&) = delete;
	Atomic& operator=(const Atomic&) = delete;

	// READ_ONCE / atomic_read.
	T load() const
	{
		point(Op::load, WaitKind::none, this);
		note(v_);
		return v_;
	}
	// WRITE_ONCE / atomic_set.
	void store(T v)
	{
		point(Op::store, WaitKind::none, this);
		v_ = v;
		note(v);
	}
	T xchg(T v)
	{
		point(Op::xchg, WaitKind::none, this);
		T old = v_;
		v_ = v;
		note(old);
		return old;
	}
	// cmpxchg(): stores `desired` if the value is `expected`; returns the old value.
	T cmpxchg(T expected, T desired)
	{
		point(Op::cmpxchg, WaitKind::none, this);
		T old = v_;
		if (old == expected)
			v_ = desired;
		note(old);
		return old;
	}
	T fetch_add(T d) { return rmw([d](T x) { return static_cast<T>(x + d); }); }
	T fetch_sub(T d) { return rmw([d](T x) { return static_cast<T>(x - d); }); }
	T fetch_or(T m) { return rmw([m](T x) { return static_cast<T>(x | m); }); }
	T fetch_and(T m) { return rmw([m](T x) { return static_cast<T>(x & m); }); }
	T add_return(T d) { return static_cast<T>(fetch_add(d) + d); }
	T sub_return(T d) { return static_cast<T>(fetch_sub(d) - d); }
	void inc() { fetch_add(T(1)); }
	void dec() { fetch_sub(T(1)); }
	// atomic_dec_and_test: true when the new value is zero.
	bool dec_and_test() { return sub_return(T(1)) == T(0); }
	bool sub_and_test(T d) { return sub_return(d) == T(0); }
	// atomic_add_unless: adds `a` unless the value is `u`; true if it added.
	bool add_unless(T a, T u)
	{
		point(Op::rmw, WaitKind::none, this);
		T old = v_;
		if (old != u)
			v_ = static_cast<T>(old + a);
		note(old);
		return old != u;
	}
	// atomic_inc_not_zero / get_page_unless_zero.
	bool inc_not_zero() { return add_unless(T(1), T(0)); }

	// Not a scheduling point: for checkers (check/), setup of a fresh object, and the
	// explorer's own bookkeeping. Model code must not use these for shared accesses.
	T peek() const { return v_; }
	void init(T v) { v_ = v; }

private:
	template <class F> T rmw(F f)
	{
		point(Op::rmw, WaitKind::none, this);
		T old = v_;
		v_ = f(old);
		note(old);
		return old;
	}
	static void note(T v)
	{
		if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
			if (Engine* e = Engine::active())
				e->note_result(static_cast<std::int64_t>(v));
		}
	}

	T v_{};
};

} // namespace sim
