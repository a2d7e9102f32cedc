EXTRA_DIST += %reldir%/deps.sh %reldir%/demo.sh %reldir%/config.example.json %reldir%/README.md %reldir%/policies/support-platform.json \
	%reldir%/policies/README.md %reldir%/providers/demo %reldir%/providers/kubernetes \
	%reldir%/providers/README.md %reldir%/systemd/sbx-tick.service %reldir%/systemd/sbx-tick.timer \
	%reldir%/completion/sbx.bash
