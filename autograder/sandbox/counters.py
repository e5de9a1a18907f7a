"""Autograd counters the grader reads from a sandbox's memory, never from what it reports.

torch keeps two counters in C++ that Python code can only make go up: the id of the next
backward pass (``GraphTask``, one per ``backward()``/``autograd.grad``/``torch.func.grad``,
in any thread) and, per thread, the sequence number of the next autograd node (one per
operation that records history). ``locate`` finds where they live by watching its own
memory change while it does a little autograd work; every process forked from it keeps
them at the same addresses, so the grader reads a sandbox's values through
``/proc/<pid>/mem`` before and after each call. A notebook can patch any Python in its
process and still not change what is read here; only raw memory could put them back, and
reaching for that is flagged for review (checking/flags.py): the counts are a signal.
"""
import os
import struct
import threading

import torch

_IRREGULAR = (3, 1, 4, 1, 5, 9, 2, 6)
_PAGE = 4096
# Where each usually is: the node counter in thread-local storage, which glibc allocates on
# the heap for a library loaded at run time; the backward counter in libtorch's data.
_USUAL = {"nodes": "heap", "backward": "data"}


def locate(backward=True):
    """{"nodes": address, "backward": address} in this process (and every process forked
    from its current thread), or None where its own memory cannot be read this way, or
    where this torch lacks the private functions that show the counters (then autograd is
    counted inside the sandbox, and the isolation line says so).
    ``backward=False`` leaves out backward passes: on a GPU machine the first one would
    initialize CUDA, after which no process can fork safely."""
    steps = {"nodes": _next_node, "backward": _next_graph_task}
    if not backward:
        del steps["backward"]
    found = {}
    try:
        places = _writable_regions()
        everywhere = sorted(region for regions in places.values() for region in regions)
        with open("/proc/self/mem", "rb", buffering=0) as mem:
            for usual in (True, False):  # where each usually is, then everywhere
                found.update(_confirm({
                    name: _narrow(mem, places[_USUAL[name]] if usual else everywhere, step)
                    for name, step in steps.items() if name not in found}))
                if len(found) == len(steps):
                    return found
    except Exception:  # noqa: BLE001 (an unreadable /proc, or a torch that changed)
        pass
    return None


def _confirm(candidates):
    """Of the candidate addresses, those that count as expected in a forked process: 11
    operations recorded on its main thread, 3 backward passes (one on another thread)."""
    expected = {"nodes": 5 + 2 * 3, "backward": 3}
    go, done = os.pipe(), os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(go[1])  # so that the parent closing its end lets this one go
            os.read(go[0], 1)
            x = torch.zeros((), requires_grad=True)
            for _ in range(5):
                x = x * 1
            for on_thread in (False, False, True):
                y = (torch.zeros((), requires_grad=True) * 1) * 1
                if on_thread:
                    thread = threading.Thread(target=y.backward)
                    thread.start()
                    thread.join()
                else:
                    y.backward()
            os.write(done[1], b"x")
            os.read(go[0], 1)
        finally:
            os._exit(0)
    try:
        reader = Reader(pid, {f"{name} {address}": address
                              for name, addresses in candidates.items() for address in addresses})
        before = reader.read()
        os.write(go[1], b"x")
        os.read(done[0], 1)
        after = reader.read()
        reader.close()
    finally:
        os.close(go[1])  # the child's reads return, whatever happened here
        os.waitpid(pid, 0)
        for fd in (go[0], *done):
            os.close(fd)
    found = {}
    for key in sorted(before):
        name, address = key.split()
        if after[key] - before[key] == expected[name]:
            found.setdefault(name, int(address))
    return found


class Reader:
    """The counters of one sandbox process, read from outside it."""

    def __init__(self, pid, addresses):
        self._addresses = addresses
        self._mem = os.open(f"/proc/{pid}/mem", os.O_RDONLY)
        try:
            self.read()  # fails here, not mid-check, where the kernel refuses
        except (OSError, struct.error):
            self.close()
            raise

    def read(self):
        """{"nodes": nodes so far on the sandbox's main thread, "backward": passes so far}."""
        return {name: struct.unpack("<q", os.pread(self._mem, 8, address))[0]
                for name, address in self._addresses.items()}

    def close(self):
        os.close(self._mem)


def only_child(pid):
    """The process a sandbox whose pid namespace has a holder (``pid``, which only waits)
    runs student code in."""
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        found = children.read().split()
    if len(found) != 1:
        raise OSError(f"sandbox {pid} has {len(found)} children")
    return int(found[0])


def _next_graph_task(round):
    """Run a few tiny backward passes (an irregular number, so no other count keeps in
    step), on another thread every other round (the counter is global), with autograd.grad
    every third; the counter then holds the last one's id + 1."""
    ids = []
    for _ in range(_IRREGULAR[round]):
        x = torch.zeros((), requires_grad=True)
        y = x * 1
        for _ in range(round):  # and nodes, so the per-thread node count moves otherwise
            y = y * 1
        y.register_hook(lambda grad: ids.append(torch._C._current_graph_task_id()))
        run = (lambda: torch.autograd.grad(y, x)) if round % 3 == 2 else y.backward
        if round % 2:
            thread = threading.Thread(target=run)
            thread.start()
            thread.join()
        else:
            run()
    return ids[-1] + 1


def _next_node(round):
    """Record a few operations; this thread's counter then holds the next node's number."""
    x = torch.zeros((), requires_grad=True)
    for _ in range(7 * _IRREGULAR[round]):
        x = x * 1
    return torch._C._autograd._get_sequence_nr()


def _narrow(mem, regions, step):
    """The few addresses whose 8 bytes equal what ``step`` returns, round after round. The
    first round reads the regions whole; later ones only the pages still holding candidates."""
    value, found = step(0), []
    buffer = bytearray(max((end - start for start, end in regions), default=0))
    for start, end in regions:
        view = memoryview(buffer)[:end - start]
        try:
            os.preadv(mem.fileno(), [view], start)
        except OSError:
            continue
        found.append((torch.frombuffer(view, dtype=torch.int64) == value).nonzero() * 8 + start)
    addresses = torch.cat(found).flatten() if found else torch.zeros(0, dtype=torch.int64)
    for round in range(1, len(_IRREGULAR)):
        if round > 3 and len(addresses) <= 4:
            break
        value = step(round)
        addresses = addresses[_words_at(mem, addresses) == value]
    return addresses.tolist() if len(addresses) <= 4 else []


def _words_at(mem, addresses):
    """The 8-byte words at ``addresses`` (0 where a page cannot be read), a page per read."""
    pages = torch.unique(addresses // _PAGE)
    data = bytearray(len(pages) * _PAGE)
    for index, page in enumerate(pages.tolist()):
        try:
            os.preadv(mem.fileno(), [memoryview(data)[index * _PAGE:(index + 1) * _PAGE]],
                      page * _PAGE)
        except OSError:
            pass
    words = torch.frombuffer(data, dtype=torch.int64) if data else torch.zeros(0, dtype=torch.int64)
    return words[torch.searchsorted(pages, addresses // _PAGE) * (_PAGE // 8)
                 + addresses % _PAGE // 8]


def _writable_regions():
    """Private writable mappings: {"heap": [...], "data": libraries' data, "rest": [...]}."""
    places, after_file = {"heap": [], "data": [], "rest": []}, False
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            name = fields[5] if len(fields) > 5 else ""
            if fields[1] == "rw-p" and not name.startswith("[v"):
                start, end = (int(part, 16) for part in fields[0].split("-"))
                bss = after_file and not name and end - start <= 1 << 24  # zeroed data
                if end - start <= 1 << 30:
                    places["heap" if name == "[heap]" else "data" if name.startswith("/") or bss
                           else "rest"].append((start, end))
            after_file = name.startswith("/")
    return places
