#!/bin/sh
# The gateway's page (http://VIP:8880/cgi-bin/index.cgi): the intra stack's service answers
# through it, found by its name on the gateway network; 502 when it does not answer.
if answer=$(busybox wget -q -T 2 -O - http://intra_app/); then
    echo "Content-Type: text/plain"
    echo
    echo "gateway release {{ example_gateway_release }} on $(hostname)"
    echo "$answer"
else
    echo "Status: 502 Bad Gateway"
    echo "Content-Type: text/plain"
    echo
    echo "intra_app did not answer"
fi
