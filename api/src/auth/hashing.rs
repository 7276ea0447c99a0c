//! Password hashing with a bound: a fixed set of threads, each computing argon2 in one reusable
//! buffer, fed through a short queue.
//!
//! Each argon2 computation needs 19 MiB. Run on the blocking pool, one per request, a flood of
//! sign-ins took that much per attempt, all at once. Here at most one computation per thread
//! runs, so hashing memory is at most `threads` x 19 MiB whatever the load, and a request that
//! cannot be served soon is refused with 503 (`Retry-After`) instead of waiting in line.
//! A thread gives its buffer back whenever it finds the queue empty, so an idle service is small.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use argon2::Block;
use tokio::sync::oneshot;

use super::passwords;

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    /// Every thread is busy and the queue is full, or the job waited too long for a thread.
    #[error("password hashing is busy")]
    Busy,
    /// The hashing threads are gone (the application is shutting down, or one panicked).
    #[error("the password hashing threads have stopped")]
    Stopped,
    #[error("argon2: {0}")]
    Argon2(argon2::password_hash::Error),
}

/// How many computations run at once and how long others may wait for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingLimits {
    /// Threads, each computing one password at a time in its own buffer.
    pub threads: usize,
    /// Jobs that may wait for a thread; one more is refused at once.
    pub queue: usize,
    /// A job that waited this long for a thread is refused instead of computed: its
    /// client has waited long enough, and computing it would only delay the jobs behind it.
    pub max_wait: Duration,
}

impl HashingLimits {
    /// `threads` threads (at least one; `TENANTRY_HASHING_THREADS`, one per core by default) and
    /// a queue four times as long.
    ///
    /// The numbers matter for the sign-in throttle: it admits at most 50 attempts at once from
    /// one address (failures plus attempts in flight, `ThrottlePolicy::per_address`), and of
    /// those only `5 x threads` are accepted here; the rest are answered 503 at once and not
    /// counted as failures. So a burst records about as many failures as the hasher can finish
    /// while the burst lasts (with 2 threads, about 20 for a burst of 200 at once: see
    /// `tests/sign_in_flood.rs`), far from the 50 that lock the address, so the people behind
    /// it can still sign in afterwards. A flood that goes on for seconds does lock it, as it
    /// should.
    pub fn with_threads(threads: usize) -> Self {
        let threads = threads.max(1);
        Self { threads, queue: 4 * threads, max_wait: Duration::from_secs(2) }
    }

    /// Sign-ups' own budget: one thread, two waiting. Sign-ups that pass their throttle are few;
    /// beyond this they are answered 503 without touching the sign-in threads.
    pub fn for_signups() -> Self {
        Self { threads: 1, queue: 2, max_wait: Duration::from_secs(2) }
    }
}

/// One unit of work. `None` in place of the memory means "too late, do not compute".
type Task = Box<dyn FnOnce(Option<&mut Vec<Block>>) + Send>;

struct Job {
    queued_at: Instant,
    task: Task,
}

/// The application's password hasher. Cloning is not needed: it lives in `AppState`.
/// Dropping it stops its threads once they finish the jobs already queued.
pub struct PasswordHasher {
    jobs: SyncSender<Job>,
    queue: Arc<Queue>,
    /// Computations run so far, for the metrics.
    computed: Arc<AtomicU64>,
}

/// The threads' end of the queue.
struct Queue {
    /// Shared by the threads; the one holding the lock waits for the next job.
    receiver: Mutex<Receiver<Job>>,
    /// Jobs sent and not yet taken, so a thread can tell, without waiting for the lock, whether
    /// another job is coming for its buffer. Only a hint: a job racing in just costs a new buffer.
    waiting: AtomicUsize,
}

impl PasswordHasher {
    /// Starts `limits.threads` hashing threads.
    pub fn start(limits: HashingLimits) -> std::io::Result<Self> {
        let (jobs, receiver) = mpsc::sync_channel::<Job>(limits.queue);
        let queue = Arc::new(Queue { receiver: Mutex::new(receiver), waiting: AtomicUsize::new(0) });
        for index in 0..limits.threads.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("password-hasher-{index}"))
                .spawn(move || work(&queue, limits.max_wait))?;
        }
        Ok(Self { jobs, queue, computed: Arc::new(AtomicU64::new(0)) })
    }

    /// How many passwords this hasher has hashed or checked.
    pub fn computed(&self) -> u64 {
        self.computed.load(Ordering::Relaxed)
    }

    /// A fresh argon2id hash of `password` (see `passwords::hash`).
    pub async fn hash(&self, password: String) -> Result<String, HashingError> {
        self.run(move |memory| passwords::hash_in(&password, memory)).await
    }

    /// Whether `password` matches `stored` (see `passwords::verify`).
    pub async fn verify(&self, password: String, stored: String) -> Result<bool, HashingError> {
        self.run(move |memory| passwords::verify_in(&password, &stored, memory)).await
    }

    async fn run<T, F>(&self, compute: F) -> Result<T, HashingError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Vec<Block>) -> Result<T, argon2::password_hash::Error> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let computed = Arc::clone(&self.computed);
        let task: Task = Box::new(move |memory| {
            // The request was dropped (the client went away): nobody wants the answer.
            if reply.is_closed() {
                return;
            }
            let outcome = match memory {
                Some(memory) => {
                    computed.fetch_add(1, Ordering::Relaxed);
                    compute(memory).map_err(HashingError::Argon2)
                }
                None => Err(HashingError::Busy),
            };
            // A send fails only if the request was dropped meanwhile; nothing to do then.
            let _ = reply.send(outcome);
        });
        self.queue.waiting.fetch_add(1, Ordering::Relaxed);
        if let Err(refused) = self.jobs.try_send(Job { queued_at: Instant::now(), task }) {
            self.queue.waiting.fetch_sub(1, Ordering::Relaxed);
            return Err(match refused {
                TrySendError::Full(_) => HashingError::Busy,
                TrySendError::Disconnected(_) => HashingError::Stopped,
            });
        }
        answer.await.map_err(|_| HashingError::Stopped)?
    }
}

/// One hashing thread: takes jobs until the hasher is dropped.
fn work(queue: &Queue, max_wait: Duration) {
    let mut memory: Vec<Block> = Vec::new();
    while let Some(job) = next_job(queue, &mut memory) {
        if job.queued_at.elapsed() >= max_wait {
            (job.task)(None);
        } else {
            (job.task)(Some(&mut memory));
        }
        // A stored hash at a higher cost grew the buffer; do not keep more than ours needs.
        if memory.len() > passwords::memory_blocks() {
            memory = Vec::new();
        }
    }
}

/// The next job, or `None` once the hasher is dropped. While jobs are waiting the buffer is
/// kept for the next one; when none is, it is freed before sleeping, so that memory comes back
/// down after a burst.
fn next_job(queue: &Queue, memory: &mut Vec<Block>) -> Option<Job> {
    if queue.waiting.load(Ordering::Relaxed) == 0 {
        *memory = Vec::new();
    }
    // A panic while holding this lock cannot leave the receiver inconsistent, so a poisoned lock
    // is still usable.
    let job = queue.receiver.lock().unwrap_or_else(PoisonError::into_inner).recv().ok()?;
    queue.waiting.fetch_sub(1, Ordering::Relaxed);
    Some(job)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        actix_web::rt::System::new().block_on(future)
    }

    #[test]
    fn the_hasher_hashes_and_verifies_like_the_passwords_module() {
        let hasher = PasswordHasher::start(HashingLimits::with_threads(1)).unwrap();
        block_on(async {
            let stored = hasher.hash("correct horse battery".to_owned()).await.unwrap();
            assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
            assert!(hasher.verify("correct horse battery".to_owned(), stored.clone()).await.unwrap());
            assert!(!hasher.verify("correct horse batteries".to_owned(), stored.clone()).await.unwrap());
            let older = passwords::hash("stored before").unwrap();
            assert!(hasher.verify("stored before".to_owned(), older).await.unwrap());
            let corrupt = hasher.verify("x".to_owned(), "not a hash".to_owned()).await;
            assert!(matches!(corrupt, Err(HashingError::Argon2(_))), "{corrupt:?}");
        });
    }

    /// Submits `count` hashes at once, as concurrent requests would, and waits for every answer.
    fn hash_concurrently(limits: HashingLimits, count: usize) -> Vec<Result<String, HashingError>> {
        let hasher = std::rc::Rc::new(PasswordHasher::start(limits).unwrap());
        block_on(async {
            let handles: Vec<_> = (0..count)
                .map(|i| {
                    let hasher = std::rc::Rc::clone(&hasher);
                    actix_web::rt::spawn(async move { hasher.hash(format!("password number {i}")).await })
                })
                .collect();
            let mut outcomes = Vec::new();
            for handle in handles {
                outcomes.push(handle.await.unwrap());
            }
            outcomes
        })
    }

    #[test]
    fn beyond_the_threads_and_the_queue_jobs_are_refused_at_once() {
        let limits = HashingLimits { threads: 1, queue: 2, max_wait: Duration::from_secs(30) };
        let outcomes = hash_concurrently(limits, 8);
        let busy = outcomes.iter().filter(|o| matches!(o, Err(HashingError::Busy))).count();
        let hashed = outcomes.iter().filter(|o| o.is_ok()).count();
        assert_eq!(busy + hashed, 8, "{outcomes:?}");
        // Two waiting, and one running if the thread took one before the queue filled.
        assert!((2..=3).contains(&hashed), "{hashed} hashed");
    }

    #[test]
    fn a_job_that_waited_too_long_is_refused_instead_of_computed() {
        let limits = HashingLimits { threads: 1, queue: 4, max_wait: Duration::ZERO };
        let outcomes = hash_concurrently(limits, 3);
        assert!(outcomes.iter().all(|o| matches!(o, Err(HashingError::Busy))), "{outcomes:?}");
    }
}
