from figures_src.cli import main

raise SystemExit(main())
