from stackbot.tune.cli import main

raise SystemExit(main())
