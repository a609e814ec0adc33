//! `poll_oneoff`: wait for clocks and descriptor readiness.

use crate::abi::{event, rights, Errno, WasiResult};
use crate::ctx::WasiCtx;
use crate::fd::Kind;
use crate::guest::Guest;
use crate::sys::{self, PollFd};

enum Sub {
    Clock { deadline: u64, clock: u32 },
    Fd { fd: u32, write: bool },
}

struct Subscription {
    userdata: u64,
    sub: Sub,
}

fn event_bytes(
    userdata: u64,
    error: Errno,
    ty: u8,
    nbytes: u64,
) -> [u8; event::EVENT_SIZE as usize] {
    let mut b = [0u8; event::EVENT_SIZE as usize];
    b[0..8].copy_from_slice(&userdata.to_le_bytes());
    b[8..10].copy_from_slice(&(error as u16).to_le_bytes());
    b[10] = ty;
    b[16..24].copy_from_slice(&nbytes.to_le_bytes());
    b
}

impl WasiCtx {
    pub fn poll_oneoff(
        &mut self,
        g: &Guest,
        input: u32,
        output: u32,
        n: u32,
        nevents: u32,
    ) -> WasiResult<()> {
        if n == 0 {
            return Err(Errno::Inval);
        }
        let raw = g.read(
            input,
            n.checked_mul(event::SUBSCRIPTION_SIZE)
                .ok_or(Errno::Fault)?,
        )?;
        // Check the output range up front, so no event is lost to a bad pointer.
        g.capacity(&[(
            output,
            n.checked_mul(event::EVENT_SIZE).ok_or(Errno::Fault)?,
        )])?;
        let mut subs = Vec::with_capacity(n as usize);
        for s in raw.chunks_exact(event::SUBSCRIPTION_SIZE as usize) {
            let u64_at = |o: usize| u64::from_le_bytes(s[o..o + 8].try_into().expect("8 bytes"));
            let u32_at = |o: usize| u32::from_le_bytes(s[o..o + 4].try_into().expect("4 bytes"));
            let userdata = u64_at(0);
            let sub = match s[8] {
                event::CLOCK => {
                    let clock = u32_at(16);
                    let timeout = u64_at(24);
                    let flags = u16::from_le_bytes([s[40], s[41]]);
                    let now = WasiCtx::now(clock)?;
                    let deadline = if flags & event::SUBCLOCK_ABSTIME != 0 {
                        timeout
                    } else {
                        now.saturating_add(timeout)
                    };
                    Sub::Clock { deadline, clock }
                }
                event::FD_READ | event::FD_WRITE => Sub::Fd {
                    fd: u32_at(16),
                    write: s[8] == event::FD_WRITE,
                },
                _ => return Err(Errno::Inval),
            };
            subs.push(Subscription { userdata, sub });
        }

        let mut events: Vec<[u8; event::EVENT_SIZE as usize]> = Vec::new();
        // Descriptor subscriptions: regular files are always ready; others are polled.
        let mut polled: Vec<(usize, PollFd)> = Vec::new();
        for (i, s) in subs.iter().enumerate() {
            if let Sub::Fd { fd, write } = s.sub {
                let ty = if write {
                    event::FD_WRITE
                } else {
                    event::FD_READ
                };
                let d = match self.fds.get(fd) {
                    Ok(d) => d,
                    Err(e) => {
                        events.push(event_bytes(s.userdata, e, ty, 0));
                        continue;
                    }
                };
                if d.require(rights::POLL_FD_READWRITE).is_err()
                    && !matches!(d.kind, Kind::Stdio(_))
                {
                    events.push(event_bytes(s.userdata, Errno::Notcapable, ty, 0));
                    continue;
                }
                match &d.kind {
                    Kind::File(f) => {
                        let nbytes = if write {
                            0
                        } else {
                            use std::io::Seek;
                            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
                            let cur = (&*f).stream_position().unwrap_or(0);
                            len.saturating_sub(cur)
                        };
                        events.push(event_bytes(s.userdata, Errno::Success, ty, nbytes));
                    }
                    Kind::Dir { .. } => events.push(event_bytes(s.userdata, Errno::Badf, ty, 0)),
                    Kind::Stdio(_) => polled.push((
                        i,
                        PollFd {
                            fd: d.raw_fd(),
                            write,
                        },
                    )),
                }
            }
        }
        let earliest = subs
            .iter()
            .filter_map(|s| match s.sub {
                Sub::Clock { deadline, clock } => {
                    Some(deadline.saturating_sub(WasiCtx::now(clock).unwrap_or(deadline)))
                }
                _ => None,
            })
            .min();
        if events.is_empty() {
            if !polled.is_empty() {
                let fds: Vec<PollFd> = polled
                    .iter()
                    .map(|(_, p)| PollFd {
                        fd: p.fd,
                        write: p.write,
                    })
                    .collect();
                let ready = sys::poll(&fds, earliest)?;
                for ((i, p), r) in polled.iter().zip(ready) {
                    let ty = if p.write {
                        event::FD_WRITE
                    } else {
                        event::FD_READ
                    };
                    match r {
                        Ok(true) => {
                            let nbytes = if p.write {
                                0
                            } else {
                                sys::bytes_readable(p.fd)
                            };
                            events.push(event_bytes(subs[*i].userdata, Errno::Success, ty, nbytes))
                        }
                        Ok(false) => {}
                        Err(e) => events.push(event_bytes(subs[*i].userdata, e, ty, 0)),
                    }
                }
            } else if let Some(wait) = earliest {
                std::thread::sleep(std::time::Duration::from_nanos(wait));
            }
        }
        if events.is_empty() {
            // Nothing became ready: the clocks that have expired fire.
            for s in &subs {
                if let Sub::Clock { deadline, clock: c } = s.sub {
                    if WasiCtx::now(c).unwrap_or(u64::MAX) >= deadline {
                        events.push(event_bytes(s.userdata, Errno::Success, event::CLOCK, 0));
                    }
                }
            }
        }
        for (i, e) in events.iter().enumerate() {
            g.write(output + i as u32 * event::EVENT_SIZE, e)?;
        }
        g.put_u32(nevents, events.len() as u32)
    }
}
