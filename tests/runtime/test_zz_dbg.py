import time
from test_progress import run_in_tmux, tmux_binary  # noqa: F401
def test_dbg(ws, tmux_binary):
    t = run_in_tmux(ws, tmux_binary, 60)
    time.sleep(2)
    print(t.screen())
    (ws.root / "go").write_text(""); time.sleep(2); t.stop()
