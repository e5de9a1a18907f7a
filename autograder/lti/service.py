"""``python -m autograder serve``: the web service under waitress, and its grading workers,
each a process of its own started from a fresh interpreter (nothing of the web process's
state in it). Stopping the service (Ctrl-C, SIGTERM) stops the workers; what they were
grading is graded again on the next start."""
import multiprocessing
import signal

from waitress import serve as waitress_serve

from . import worker
from .web import create_app


def serve(settings, data, out, lang="en", host="127.0.0.1", port=8000, workers=1,
          scheduler=None, log=print):
    """Serve until stopped; ``workers`` grade the queue (SQLite, in ``data``), here or on
    the Dask cluster at ``scheduler``."""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    processes = [context.Process(target=worker.run, name=f"torchgrade-lti-worker-{n}",
                                 args=(settings, data, out, lang, stop, scheduler))
                 for n in range(workers)]
    for process in processes:
        process.start()
    signal.signal(signal.SIGTERM, worker.interrupted)
    log(f"LTI tool at {settings.url}/lti/ (login {settings.url}/lti/login, launch "
        f"{settings.url}/lti/launch, keys {settings.url}/lti/jwks); listening on "
        f"{host}:{port} with {workers} grading worker(s)")
    try:
        waitress_serve(create_app(settings, data, out, lang), host=host, port=port,
                       threads=8, ident="torchgrade")
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        for process in processes:
            process.join(30)
            if process.is_alive():
                process.terminate()
