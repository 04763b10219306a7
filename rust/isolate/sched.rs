//! `Scheduler`: which isolate thread runs which worker next. Any thread runs any worker (its
//! isolate is a `v8::SharedIsolate`, entered under its `v8::Locker`), so no worker waits behind a
//! neighbour's long turn while another thread is free.
//!
//! - A worker with work goes back to the thread that ran it last if that thread is free: moving
//!   an isolate between threads makes V8 archive and restore its per-thread state, so consecutive
//!   turns stay put when they can. Otherwise it goes to the shared queue, and a free thread is
//!   woken for it; free threads also take work a busy thread was handed but has not started.
//! - A thread in a turn takes no new work. When every thread is in a turn longer than
//!   `LONG_TURN` and work is queued, the clock brings an extra thread into service (at most
//!   `extra` of them, one per long turn), so a few CPU hogs cannot stall everyone else; an extra
//!   thread leaves service when it finds no work or fewer long turns than extra threads.
//! - The clock thread also owns the deadlines (timers, wall-clock limits): at each it wakes the
//!   worker, which then queues like any other work.
//! - Idle time runs chores, never on a caller's path: disposing closed isolates, refilling the
//!   pools of blank and Python isolates (`pool.rs`), and trimming workers idle for `trim_after`
//!   (a full GC for those whose memory grew, giving back their empty heap pages; V8 runs no
//!   memory reducer of its own for an isolate nobody enters). A seat in a chore counts as in a turn, so a long chore
//!   (the GC of a large heap) brings in an extra thread like a long turn does.
//!
//! Lock order: a mailbox's lock, then the scheduler's.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::capacity::{Release, Releases};
use super::mailbox::Mailbox;
use super::polling::OnCpu;
use super::pool::{Kind, Pools};
use super::worker::Worker;
use crate::limits::Limits;
use crate::rpc::Host;

/// A turn longer than this marks its thread as taken by a long turn: past it, queued work may
/// bring an extra thread into service. Short enough that a neighbour waits at most a few
/// milliseconds behind a hog, long enough that ordinary turns never trigger it.
pub const LONG_TURN: Duration = Duration::from_millis(4);

/// How long an idle thread polls for work before it sleeps: a caller that answers a reply with
/// another command (a loop of calls) finds the thread still awake, and neither side pays for a
/// futex wake-up and a reschedule.
const SPIN: Duration = Duration::from_micros(30);

/// How long a thread must be idle before it starts a chore: a chore cannot be interrupted, and a
/// caller's next command (the call after a load, the load after a close) usually comes within
/// microseconds.
const CHORE_GRACE: Duration = Duration::from_micros(200);

/// Closed isolates kept for disposal at idle time, at most; past it, a close disposes at once.
pub const MAX_RETIRED: usize = 16;

/// What a thread does next.
pub enum Next {
    Run(Arc<Mailbox>),
    /// Dispose of a closed worker's isolate.
    Dispose(Box<Retired>),
    /// Make an isolate for a pool, if there is room under the isolate cap.
    Refill(Kind),
    /// Give back the memory of a worker idle since its trim deadline, if it still is.
    Trim(Arc<Mailbox>),
    Exit,
}

pub struct Scheduler {
    state: Mutex<State>,
    /// One per seat, waited on with `state`'s lock.
    bells: Vec<Condvar>,
    /// Set when a seat is handed work, so a seat spinning without the lock notices at once.
    kicks: Vec<AtomicBool>,
    clock_bell: Condvar,
    closing: AtomicBool,
    /// Items in the shared queue, read without the lock by spinning seats.
    queued: AtomicUsize,
    /// Base seats (always in service); the seats after them are extra.
    base: usize,
    pub host: Option<Arc<dyn Host>>,
    /// How long a worker stays idle before it is trimmed; None: never.
    pub trim_after: Option<Duration>,
    /// Closes accepted whose isolates are not yet disposed.
    pub releases: Releases,
}

/// A closed worker awaiting disposal, with the close's promise to free its place: fields drop
/// in order, so the promise is kept until the isolate is gone.
pub struct Retired {
    _worker: Worker,
    _release: Release,
}

impl Retired {
    pub fn new(worker: Worker, release: Release) -> Self {
        Retired { _worker: worker, _release: release }
    }
}

struct State {
    ready: VecDeque<Arc<Mailbox>>,
    seats: Vec<Seat>,
    deadlines: Deadlines,
    /// When idle workers come due for trimming.
    trims: Deadlines,
    /// Every open worker, so shutdown can reach them all.
    mailboxes: HashMap<u64, Arc<Mailbox>>,
    pools: Pools,
    retired: Vec<Retired>,
    /// When the clock means to wake next, so an earlier deadline can wake it sooner.
    clock_wake: Option<Instant>,
    running_seats: usize,
}

#[derive(Default)]
struct Seat {
    /// Work handed to this seat because it ran the worker last and was free.
    local: VecDeque<Arc<Mailbox>>,
    /// Waiting for work, and not yet handed any.
    idle: bool,
    asleep: bool,
    /// Running a worker since.
    turn_since: Option<Instant>,
    /// An extra seat out of service.
    parked: bool,
}

impl Scheduler {
    pub fn new(
        base: usize,
        extra: usize,
        host: Option<Arc<dyn Host>>,
        pool_size: usize,
        python_pool_size: usize,
        trim_after: Option<Duration>,
    ) -> Self {
        let seats = base + extra;
        let mut state = State {
            ready: VecDeque::new(),
            seats: (0..seats).map(|_| Seat::default()).collect(),
            deadlines: Deadlines::default(),
            trims: Deadlines::default(),
            mailboxes: HashMap::new(),
            pools: Pools::new(pool_size * base, python_pool_size * base),
            retired: Vec::new(),
            clock_wake: None,
            running_seats: seats,
        };
        for seat in &mut state.seats[base..] {
            seat.parked = true;
        }
        Scheduler {
            state: Mutex::new(state),
            bells: (0..seats).map(|_| Condvar::new()).collect(),
            kicks: (0..seats).map(|_| AtomicBool::new(false)).collect(),
            clock_bell: Condvar::new(),
            closing: AtomicBool::new(false),
            queued: AtomicUsize::new(0),
            base,
            host,
            trim_after,
            releases: Releases::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn seats(&self) -> usize {
        self.bells.len()
    }

    pub fn closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// Registers a new worker's mailbox (its load queued first) and schedules it on any thread.
    pub fn admit(&self, mailbox: &Arc<Mailbox>) {
        self.lock().mailboxes.insert(mailbox.id, mailbox.clone());
        self.schedule(mailbox, None);
    }

    /// Forgets a closed worker: no deadline, no place in the shutdown list.
    pub fn forget(&self, id: u64) {
        let mut st = self.lock();
        st.mailboxes.remove(&id);
        st.deadlines.set(id, None);
        st.trims.set(id, None);
        st.pools.starved = false;
    }

    /// Queues `mailbox` (already marked queued) for a thread: `last`, the thread that ran it
    /// last, if that thread is free; else any free thread; else the shared queue, where the
    /// clock may bring in an extra thread if every thread is in a long turn.
    pub fn schedule(&self, mailbox: &Arc<Mailbox>, last: Option<usize>) {
        let mut st = self.lock();
        if let Some(t) = last.filter(|&t| st.seats[t].idle && !st.seats[t].parked) {
            st.seats[t].local.push_back(mailbox.clone());
            self.claim(&mut st, t);
            return;
        }
        st.ready.push_back(mailbox.clone());
        self.queued.fetch_add(1, Ordering::SeqCst);
        // A free seat still polling takes the work without a wake-up; a sleeping one needs one.
        let free = |t: &usize| st.seats[*t].idle && !st.seats[*t].parked;
        let awake = (0..st.seats.len()).filter(free).min_by_key(|&t| st.seats[t].asleep);
        match awake {
            Some(t) => self.claim(&mut st, t),
            None => self.clock_bell.notify_one(),
        }
    }

    /// Whether seat `t` may go on with the worker it runs for another batch: only if no other
    /// worker waits for a thread. Its turn counts as starting afresh.
    pub fn keep(&self, t: usize) -> bool {
        let mut st = self.lock();
        if !st.ready.is_empty() || !st.seats[t].local.is_empty() {
            return false;
        }
        st.seats[t].turn_since = Some(Instant::now());
        true
    }

    /// Puts a worker that still has work after its batch at the back of the shared queue, so
    /// every other queued worker gets a turn first.
    pub fn requeue(&self, mailbox: &Arc<Mailbox>) {
        self.schedule(mailbox, None);
    }

    /// Hands seat `t` its work: it stops counting as idle and is woken if asleep.
    fn claim(&self, st: &mut State, t: usize) {
        st.seats[t].idle = false;
        self.kicks[t].store(true, Ordering::SeqCst);
        if st.seats[t].asleep {
            self.bells[t].notify_one();
        }
    }

    /// Blocks seat `t` until it has something to do; `cpu` counts its thread as on a core
    /// except while it sleeps.
    pub fn next(&self, t: usize, cpu: &OnCpu) -> Next {
        let mut st = self.lock();
        let mut spun = false;
        loop {
            st.seats[t].turn_since = None;
            if self.closing() {
                return Next::Exit;
            }
            let extra = t >= self.base;
            if extra && !st.seats[t].parked && self.too_many_extra(&st, Instant::now()) {
                st.seats[t].parked = true;
            }
            if !st.seats[t].parked
                && let Some(m) = self.take(&mut st, t)
            {
                st.seats[t].idle = false;
                st.seats[t].turn_since = Some(Instant::now());
                self.kicks[t].store(false, Ordering::Relaxed);
                return Next::Run(m);
            }
            if extra {
                // Extra seats never idle in service: no work means they are not needed.
                st.seats[t].parked = true;
                st.seats[t].idle = false;
                st.seats[t].asleep = true;
                st = cpu.asleep(|| self.bells[t].wait(st).unwrap_or_else(|p| p.into_inner()));
                st.seats[t].asleep = false;
                continue;
            }
            st.seats[t].idle = true;
            if !spun && cpu.may_poll() {
                spun = true;
                drop(st);
                let until = Instant::now() + SPIN;
                while Instant::now() < until
                    && !self.kicks[t].load(Ordering::Relaxed)
                    && self.queued.load(Ordering::Relaxed) == 0
                {
                    std::hint::spin_loop();
                }
                st = self.lock();
                continue;
            }
            // With a chore pending, the seat takes it after a grace period; with a trim coming
            // due later, it wakes then to look again.
            let now = Instant::now();
            let wake = match self.chore_pending(&st, now) {
                true => Some(CHORE_GRACE),
                false => st.trims.next().map(|at| at.saturating_duration_since(now)),
            };
            st.seats[t].asleep = true;
            let (guard, timeout) = cpu.asleep(|| match wake {
                Some(after) => {
                    let (g, r) = self.bells[t].wait_timeout(st, after).unwrap_or_else(|p| p.into_inner());
                    (g, r.timed_out())
                }
                None => (self.bells[t].wait(st).unwrap_or_else(|p| p.into_inner()), false),
            });
            st = guard;
            st.seats[t].asleep = false;
            if timeout
                && st.seats[t].idle
                && st.seats[t].local.is_empty()
                && st.ready.is_empty()
                && let Some(next) = self.take_chore(&mut st, Instant::now())
            {
                st.seats[t].idle = false;
                st.seats[t].turn_since = Some(Instant::now());
                return next;
            }
        }
    }

    /// The next work for seat `t`: its own hand-offs, then the shared queue, then work handed
    /// to a seat that is busy (it would wait behind that seat's turn).
    fn take(&self, st: &mut State, t: usize) -> Option<Arc<Mailbox>> {
        if let Some(m) = st.seats[t].local.pop_front() {
            return Some(m);
        }
        if let Some(m) = st.ready.pop_front() {
            self.queued.fetch_sub(1, Ordering::SeqCst);
            return Some(m);
        }
        let busy =
            (0..st.seats.len()).find(|&o| o != t && !st.seats[o].idle && !st.seats[o].local.is_empty())?;
        st.seats[busy].local.pop_front()
    }

    /// Seats in a turn that has run past `LONG_TURN`.
    fn long_turns(st: &State, now: Instant) -> usize {
        st.seats
            .iter()
            .filter(|s| s.turn_since.is_some_and(|since| now.saturating_duration_since(since) >= LONG_TURN))
            .count()
    }

    fn extra_in_service(&self, st: &State) -> usize {
        st.seats[self.base..].iter().filter(|s| !s.parked).count()
    }

    fn too_many_extra(&self, st: &State, now: Instant) -> bool {
        self.extra_in_service(st) > Self::long_turns(st, now)
    }

    fn chore_pending(&self, st: &State, now: Instant) -> bool {
        !st.retired.is_empty() || st.pools.wanted().is_some() || st.trims.next().is_some_and(|at| at <= now)
    }

    /// The next chore: disposal first (it frees a place under the cap), then the pools (callers
    /// wait on them), then trimming.
    fn take_chore(&self, st: &mut State, now: Instant) -> Option<Next> {
        if let Some(retired) = st.retired.pop() {
            return Some(Next::Dispose(Box::new(retired)));
        }
        if let Some(kind) = st.pools.wanted() {
            st.pools.making(kind);
            return Some(Next::Refill(kind));
        }
        st.trims.take_first_due(now).map(Next::Trim)
    }

    /// The next trim due, for seat `t` in a trim chore, if no work waits for a thread: a crowd of
    /// due trims (most find nothing to give back) costs one wake-up, and work still gets the
    /// seat between any two of them.
    pub fn next_trim(&self, t: usize) -> Option<Arc<Mailbox>> {
        let mut st = self.lock();
        if self.closing() || !st.ready.is_empty() || !st.seats[t].local.is_empty() {
            return None;
        }
        let now = Instant::now();
        let due = st.trims.take_first_due(now)?;
        st.seats[t].turn_since = Some(now);
        Some(due)
    }

    /// Asks for worker `mailbox` to be trimmed at `at` if it is still idle then. The caller
    /// holds the mailbox's lock and has set its `trim_pending`.
    pub fn want_trim(&self, mailbox: &Arc<Mailbox>, at: Instant) {
        self.lock().trims.set(mailbox.id, Some((at, mailbox.clone())));
    }

    /// A blank isolate with heap cap `heap` from the pool, if one is ready.
    pub fn take_blank(&self, heap: usize) -> Option<Worker> {
        self.lock().pools.take_blank(heap)
    }

    /// An isolate with Pyodide restored and heap cap `heap` from the pool, if one is ready; the
    /// first ask starts the loader's priming.
    pub fn take_python(&self, heap: usize) -> Option<Worker> {
        self.lock().pools.take_python(heap)
    }

    pub fn add_blank(&self, blank: Worker) {
        self.lock().pools.add_blank(blank);
    }

    /// A refill chore of `kind` ended; None: the isolate cap refused a place (`starved`: no
    /// refilling until a worker closes), or the isolate could not be made.
    pub fn refilled(&self, kind: Kind, made: Option<Worker>, starved: bool) {
        let mut st = self.lock();
        st.pools.starved |= starved;
        st.pools.made(kind, made);
    }

    /// Pooled Python isolates, handed over to be disposed of to make room at the isolate cap.
    pub fn take_python_pool(&self) -> Vec<Worker> {
        self.lock().pools.take_all_python()
    }

    /// Isolates ready in the pools: `(blank, python)`.
    pub fn pooled(&self) -> (usize, usize) {
        self.lock().pools.ready()
    }

    /// Keeps a closed worker for disposal at idle time; gives it back when too many wait.
    pub fn retire(&self, retired: Retired) -> Option<Retired> {
        let mut st = self.lock();
        if st.retired.len() >= MAX_RETIRED {
            return Some(retired);
        }
        st.retired.push(retired);
        None
    }

    /// Closed isolates awaiting disposal, handed back to make room at the isolate cap.
    pub fn take_retired(&self) -> Vec<Retired> {
        std::mem::take(&mut self.lock().retired)
    }

    /// When worker `id` next needs a turn (a timer, a wall-clock limit), if ever.
    pub fn set_deadline(&self, mailbox: &Arc<Mailbox>, deadline: Option<Instant>) {
        let mut st = self.lock();
        st.deadlines.set(mailbox.id, deadline.map(|d| (d, mailbox.clone())));
        if let Some(d) = deadline
            && st.clock_wake.is_none_or(|w| d < w)
        {
            self.clock_bell.notify_one();
        }
    }

    /// The clock thread: wakes workers whose deadline came, and brings extra seats into service
    /// while work waits and every seat in service is in a long turn.
    pub fn clock(&self) {
        let mut st = self.lock();
        while !self.closing() {
            let now = Instant::now();
            let due = st.deadlines.take_due(now);
            if !due.is_empty() {
                drop(st);
                for m in due {
                    m.wake(self);
                }
                st = self.lock();
                continue;
            }
            let mut wake = st.deadlines.next();
            let waiting = !st.ready.is_empty();
            if waiting {
                let long = Self::long_turns(&st, now);
                let free = st.seats.iter().any(|s| s.idle && !s.parked);
                if !free
                    && self.extra_in_service(&st) < long
                    && let Some(e) = (self.base..st.seats.len()).find(|&e| st.seats[e].parked)
                {
                    st.seats[e].parked = false;
                    self.claim(&mut st, e);
                }
                // The next moment a running turn becomes long.
                let soonest = st
                    .seats
                    .iter()
                    .filter_map(|s| s.turn_since.map(|since| since + LONG_TURN))
                    .filter(|&at| at > now)
                    .min();
                wake = match (wake, soonest) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            st.clock_wake = wake;
            st = match wake {
                Some(at) => {
                    let timeout = at.saturating_duration_since(Instant::now());
                    self.clock_bell.wait_timeout(st, timeout).unwrap_or_else(|p| p.into_inner()).0
                }
                None => self.clock_bell.wait(st).unwrap_or_else(|p| p.into_inner()),
            };
        }
    }

    /// Starts shutting down: every seat and the clock stop after their current turn, and
    /// JavaScript running now is terminated.
    pub fn close(&self) {
        self.closing.store(true, Ordering::SeqCst);
        let st = self.lock();
        let mailboxes: Vec<_> = st.mailboxes.values().cloned().collect();
        for bell in &self.bells {
            bell.notify_all();
        }
        self.clock_bell.notify_all();
        drop(st);
        for m in mailboxes {
            m.interrupt();
        }
    }

    /// Called by each isolate thread as it exits; the last one out disposes every isolate (on an
    /// isolate thread, as V8 requires of a thread that locks) and refuses every queued command.
    pub fn leave(&self) {
        let mut st = self.lock();
        st.running_seats -= 1;
        if st.running_seats > 0 {
            return;
        }
        let mailboxes: Vec<_> = st.mailboxes.drain().map(|(_, m)| m).collect();
        let pool = st.pools.drain();
        let retired = std::mem::take(&mut st.retired);
        st.deadlines = Deadlines::default();
        st.trims = Deadlines::default();
        st.ready.clear();
        for seat in &mut st.seats {
            seat.local.clear();
        }
        drop(st);
        for m in mailboxes {
            let (commands, worker) = m.close_for_shutdown();
            for c in commands {
                c.refuse(crate::error::Error::Closed("the loader is closed".into()));
            }
            drop(worker);
        }
        drop(pool);
        drop(retired);
    }

    /// The default heap cap, which blank isolates in the pool are made with.
    pub fn default_heap() -> usize {
        Limits::default().heap_bytes()
    }
}

/// When each worker next needs a turn (a timer or a wall-clock limit), so a wake-up costs
/// O(log n) however many idle workers the loader holds.
#[derive(Default)]
struct Deadlines {
    by_time: BTreeSet<(Instant, u64)>,
    by_worker: HashMap<u64, (Instant, Arc<Mailbox>)>,
}

impl Deadlines {
    fn set(&mut self, id: u64, deadline: Option<(Instant, Arc<Mailbox>)>) {
        if let Some((old, _)) = self.by_worker.remove(&id) {
            self.by_time.remove(&(old, id));
        }
        if let Some((d, m)) = deadline {
            self.by_time.insert((d, id));
            self.by_worker.insert(id, (d, m));
        }
    }

    fn next(&self) -> Option<Instant> {
        self.by_time.first().map(|(d, _)| *d)
    }

    /// Removes and returns the workers due at `now`, earliest first.
    fn take_due(&mut self, now: Instant) -> Vec<Arc<Mailbox>> {
        std::iter::from_fn(|| self.take_first_due(now)).collect()
    }

    /// Removes and returns the earliest worker due at `now`, if any.
    fn take_first_due(&mut self, now: Instant) -> Option<Arc<Mailbox>> {
        let &(d, id) = self.by_time.first().filter(|(d, _)| *d <= now)?;
        self.by_time.remove(&(d, id));
        self.by_worker.remove(&id).map(|(_, m)| m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolate::mailbox::Command;

    fn mailbox(id: u64) -> Arc<Mailbox> {
        Mailbox::new(id, Command::Close { disposed: None, release: Releases::default().promise() })
    }

    #[test]
    fn deadlines_come_due_in_order_and_can_move_or_go() {
        let now = Instant::now();
        let at = |ms, id| Some((now + Duration::from_millis(ms), mailbox(id)));
        let mut d = Deadlines::default();
        d.set(1, at(30, 1));
        d.set(2, at(10, 2));
        d.set(3, at(20, 3));
        d.set(3, at(5, 3));
        d.set(1, None);
        assert_eq!(d.next(), Some(now + Duration::from_millis(5)));
        let due: Vec<u64> = d.take_due(now + Duration::from_millis(15)).iter().map(|m| m.id).collect();
        assert_eq!(due, vec![3, 2]);
        assert_eq!(d.next(), None);
        assert!(d.take_due(now + Duration::from_secs(1)).is_empty());
    }
}
