#include "sim/seqcount.hpp"

#include "sim/engine.hpp"

namespace sim {

void SeqCount::write_begin()
{
	point(Op::seq_write_begin, WaitKind::none, &seq_);
	++seq_;
}

void SeqCount::write_end()
{
	point(Op::seq_write_end, WaitKind::none, &seq_);
	++seq_;
}

unsigned SeqCount::read_begin() const
{
	// The kernel spins while the count is odd; blocked-until-even is the same, without the spin.
	point(Op::seq_read_begin, WaitKind::seq_even, &seq_);
	return seq_ & ~1u;
}

bool SeqCount::read_retry(unsigned start) const
{
	point(Op::seq_read_retry, WaitKind::none, &seq_);
	return seq_ != start;
}

unsigned SeqCount::raw_read() const
{
	point(Op::load, WaitKind::none, &seq_);
	return seq_;
}

} // namespace sim
