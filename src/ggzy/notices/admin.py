"""No back-office page for notices: the back office is a read path too, and a scheduled notice must not
be visible there before its instant (docs/notices.md §3). Staff and parties use the workspace pages;
everyone reads published notices on the public list."""
