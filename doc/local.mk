dist_man_MANS += %reldir%/sbx.1
