from deforgify.cli import main

raise SystemExit(main())
