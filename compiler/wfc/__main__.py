from __future__ import annotations

from wfc.cli import main

if __name__ == "__main__":
    main()
