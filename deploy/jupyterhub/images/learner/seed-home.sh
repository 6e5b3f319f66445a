#!/usr/bin/env bash
# Runs before the learner's server starts (docker-stacks' before-notebook.d): on the first start only, put a
# copy of the chapters in the persistent home, where the learner's edits and outputs are kept.
if [ ! -e "${HOME}/course" ]; then
  cp -r /opt/lambda-course/course "${HOME}/course"
fi
