"""The duty officer's desk: leaders' instructions (领导批示) followed until done."""
