# dockyard.swarm developer entry points.  On a fresh Debian 12 machine (as root):
#   make lab    install what is needed, boot a local VM lab and run site.yml against it
#   make test   install what is needed and run the quality gates CI runs (cluster scenario)
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      ?= .venv
PYTHON    ?= python3
CACHE     := $(CURDIR)/.cache
COLLROOT  := $(CACHE)/collections
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLROOT)
export ANSIBLE_HOME := $(CACHE)/ansible-home

APT_PACKAGES := python3-venv python3-pip qemu-system-x86 qemu-utils debootstrap genisoimage openssh-client \
                e2fsprogs rsync git make util-linux
DEPS_STAMP   := $(VENV)/.deps-$(shell cat requirements-dev.txt | sha256sum | cut -c1-12)
# ansible-test bootstraps pip in its sanity venvs with a get-pip script from a host that is
# not reachable here; tools/ansible-test-get-pip.py stands in for it (see that file).
# pip version of ansible-core 2.19's ansible-test (python_requirements.get_venv_packages)
GET_PIP_VER  := 24.2
GET_PIP_SHIM := $(HOME)/.ansible/test/cache/get_pip_$(subst .,_,$(GET_PIP_VER)).py

# VM base images (tools/vm/build-image); make test needs only the cluster scenario's and the lab's.
ALL_IMAGES    := bookworm trixie trixie-docker28 trixie-bare
CI_IMAGES     := trixie
ALL_SCENARIOS := $(sort $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml))))

.PHONY: help deps apt-deps controller images lab lab-destroy test test-all lint sanity unit molecule build clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

deps: $(DEPS_STAMP) $(GET_PIP_SHIM) $(COLLROOT)/ansible_collections/dockyard/swarm  ## apt packages, .venv, collection path

controller: $(COLLROOT)/ansible_collections/dockyard/swarm  ## an operator's controller only: .venv with Ansible, community.docker, the Docker SDK
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q $$(grep -E '^ansible(-core)?==' requirements-dev.txt) -r requirements.txt

# Before the venv: a minimal Debian has no python3-venv.
apt-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	    | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing Debian packages: $$missing"; \
	  apt-get update -qq || echo "make deps: apt-get update reported errors; trying the install anyway"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(DEPS_STAMP): requirements-dev.txt | apt-deps
	@echo "make deps: creating .venv and installing requirements-dev.txt (a minute or two the first time)"
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	rm -f $(VENV)/.deps-* && touch $@

$(GET_PIP_SHIM): tools/ansible-test-get-pip.py
	install -D -m 0644 $< $@

# The collection under development, where Ansible looks for dockyard.swarm.  community.docker,
# ansible.posix and community.general come from the PyPI "ansible" package in the venv.
$(COLLROOT)/ansible_collections/dockyard/swarm:
	mkdir -p $(dir $@)
	ln -sfn $(CURDIR) $@

images: deps  ## build (or reuse) the VM base images in parallel (IMAGES="trixie ..." for some)
	@pids=; for i in $(or $(IMAGES),$(ALL_IMAGES)); do tools/vm/build-image $$i & pids="$$pids $$!"; done; \
	  rc=0; for p in $$pids; do wait $$p || rc=1; done; exit $$rc

lab: deps  ## boot the local lab (3 managers + 1 worker) and run site.yml
	@$(MAKE) --no-print-directory images IMAGES="$(CI_IMAGES)"
	$(VENV)/bin/python tools/lab.py up

lab-destroy: deps  ## stop the lab VMs and remove their disks
	$(VENV)/bin/python tools/lab.py down

test: deps  ## CI: yamllint, ansible-lint, sanity, unit, build, the cluster scenario
	@$(MAKE) --no-print-directory images IMAGES="$(CI_IMAGES)"
	$(VENV)/bin/pytest -c tests/gates/pytest.ini tests/gates

test-all: deps images  ## every gate and every Molecule scenario (longer than CI allows here)
	DOCKYARD_SCENARIOS="$(ALL_SCENARIOS)" DOCKYARD_MOLECULE_DEADLINE=14400 \
	  $(VENV)/bin/pytest -c tests/gates/pytest.ini tests/gates

lint: deps  ## yamllint + ansible-lint (production profile)
	$(VENV)/bin/pytest -c tests/gates/pytest.ini tests/gates -k 'yamllint or ansible_lint'

sanity: deps  ## ansible-test sanity
	$(VENV)/bin/pytest -c tests/gates/pytest.ini tests/gates -k sanity

unit: deps  ## unit tests of the pure logic
	$(VENV)/bin/pytest tests/unit

molecule: deps images  ## every Molecule scenario (SCENARIO=name for one)
	DOCKYARD_SCENARIOS="$(or $(SCENARIO),$(ALL_SCENARIOS))" DOCKYARD_MOLECULE_DEADLINE=14400 \
	  $(VENV)/bin/pytest -c tests/gates/pytest.ini tests/gates -k molecule

build: deps  ## build the collection tarball
	$(VENV)/bin/ansible-galaxy collection build --force

clean:  ## remove build output (not the VM image cache)
	rm -rf dockyard-swarm-*.tar.gz tests/output .pytest_cache
