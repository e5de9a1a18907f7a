"""The sandbox's audit hook, installed before the first cell runs: what it refuses every
thread, and what it notes for the grader to flag for review.

Python code cannot remove an audit hook. C code raises no audit event for what it does
(``_posixsubprocess``), which is why seccomp refuses the system calls themselves; and code
with raw memory could change what the hook noted, so a note is a signal.
"""
import _thread
import os
import sys

# What no graded notebook needs, and what would let it reach this process's own workings:
# raw memory (ctypes), every object or frame in the interpreter, tracing, new processes,
# audit hooks of its own.
NATIVE = "import of compiled code from outside the installed packages"
REFUSED = (NATIVE, "ctypes.", "gc.get_objects", "gc.get_referrers", "gc.get_referents",
           "sys.settrace", "sys.setprofile", "sys._current_frames", "sys.addaudithook",
           "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.exec", "os.system",
           "subprocess.Popen")
FRAME_ATTRIBUTES = ("tb_frame", "gi_frame", "cr_frame", "ag_frame")
# Also noted, not refused: opening the process's own /proc entries (its memory among them).
NOTED_PATHS = ("/proc/self", "/proc/thread-self", "/proc/1/", "/dev/mem")
STDLIB = (os.path.dirname(os.__file__), "<frozen ")
# Noted too: Python code imported from a file the notebook wrote, which its text never shows.
WRITTEN = "import of Python code from outside the installed packages"
# Where installed code is: the folders on sys.path when the zygote imports this, before any
# notebook runs (none of them writable by a sandbox).
INSTALLED = tuple({os.path.join(form(path), "") for path in sys.path
                   if path and os.path.isdir(path) for form in (os.path.abspath, os.path.realpath)})


def seal(threads, noted):
    """An audit hook, which Python code cannot remove: REFUSED for every thread, and no
    frame at all for the runner and writer threads, where no notebook code belongs. A
    compiled extension module is loaded only from INSTALLED: one the notebook wrote (to
    its disk, or to a file in memory) would be code that reads and writes the process's
    memory. Paths are judged as text (no ``..``), by nothing the notebook could rebind.
    What is refused, NOTED_PATHS opened and WRITTEN go to ``noted`` with the line of the
    notebook's that caused them (see caused_by); the grader flags them for review."""
    def outside(path, starts=str.startswith, installed=INSTALLED):
        return not starts(path, installed) or "/../" in path or "/./" in path

    def refuse(event, args, refused=REFUSED, starts=str.startswith, error=PermissionError,
               ident=_thread.get_ident, threads=frozenset(threads), frames=FRAME_ATTRIBUTES,
               paths=NOTED_PATHS, str_type=str, note=noted.append, caused_by=caused_by,
               outside=outside, getframe=sys._getframe):
        if event == "import" and type(args[1]) is str_type and outside(args[1]):
            event = NATIVE
        denied, label = starts(event, refused), None
        if ident() not in threads:
            if denied:
                label = event
            elif event == "open" and type(args[0]) is str_type:
                if starts(args[0], paths):
                    label = f"open {args[0][:60]}"
                elif outside(args[0]) and starts(getframe(1).f_code.co_filename, "<frozen "):
                    label = WRITTEN  # opened by the import system
        if label:
            place = caused_by()
            if place:
                note((label, *place))
        if denied or (ident() in threads and (
                event == "sys._getframe" or (event == "object.__getattr__"
                                             and args[1] in frames))):
            raise error(f"{event} is not available to a graded notebook")

    sys.addaudithook(refuse)


def caused_by(getframe=sys._getframe, starts=str.startswith, stdlib=STDLIB):
    """(cell, line) of the notebook's code that caused an audit event, through the standard
    library only: None where a library outside it (numpy, matplotlib...) did."""
    frame = getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if starts(name, "<code cell "):
            return int(name[11:-1]), frame.f_lineno
        if not starts(name, stdlib) or "-packages" in name:
            return None
        frame = frame.f_back
    return None
